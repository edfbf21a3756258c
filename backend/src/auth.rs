//! Authentication: password hashing now; tokens and the request guard join with the API.

pub mod password;
