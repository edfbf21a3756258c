//! A SQLite database and its `-wal`, `-shm` and `-journal` files are private (0600): they hold
//! password hashes and sealed credentials. SQLite gives the files it creates beside a database
//! the database file's mode, so creating that file private before SQLite opens it covers them;
//! files left by an older version are made private too.

use std::path::Path;

use super::DbError;
use crate::private_file;

pub(crate) fn make_private(path: &Path) -> Result<(), DbError> {
    let failed = |e: std::io::Error| {
        DbError::Config(format!(
            "cannot make the SQLite database {} private: {e}",
            path.display()
        ))
    };
    private_file::create_if_missing(path).map_err(failed)?;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        private_file::restrict(Path::new(&name)).map_err(failed)?;
    }
    Ok(())
}
