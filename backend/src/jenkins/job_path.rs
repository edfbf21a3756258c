//! A job's full name (`folder/sub/job`) and the URL path Jenkins serves it at.

use std::fmt;

/// A validated Jenkins job full name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPath(String);

impl JobPath {
    /// Accepts `a/b/c`: non-empty segments, no `.`/`..`, nothing that would change the URL's
    /// meaning once encoded.
    pub fn parse(full_name: &str) -> Option<JobPath> {
        let valid = !full_name.is_empty()
            && full_name.len() <= 255
            && full_name
                .split('/')
                .all(|s| !s.is_empty() && s != "." && s != ".." && !s.chars().any(char::is_control));
        valid.then(|| JobPath(full_name.to_owned()))
    }

    /// The URL path segments: `job`, name, `job`, name… Each name is pushed as one segment,
    /// so the url crate percent-encodes it, including a `%` already in the name (a multibranch
    /// `feature%2Fx` becomes `feature%252Fx`, as Jenkins expects).
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').flat_map(|name| ["job", name])
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JobPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_become_job_segments() {
        let path = JobPath::parse("Websites/jenkins.io/master").unwrap();
        let segments: Vec<_> = path.segments().collect();
        assert_eq!(
            segments,
            ["job", "Websites", "job", "jenkins.io", "job", "master"]
        );
        assert!(JobPath::parse("a//b").is_none());
        assert!(JobPath::parse("../x").is_none());
        assert!(JobPath::parse("").is_none());
    }
}
