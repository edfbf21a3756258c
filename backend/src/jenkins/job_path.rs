//! A job's full name (`folder/sub/job`), the URL path Jenkins serves it at, and the folder a
//! job must live under.

use std::fmt;

/// A validated Jenkins job full name: '/'-separated item names of the characters Jenkins item
/// names really use. Nothing in it can change a URL's meaning once encoded (`..`, `;`, `%`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPath(String);

/// Why a job name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobPathError {
    #[error("a Jenkins job path must not be empty or longer than 255 characters")]
    Length,
    #[error(
        "'{0}' is not a Jenkins item name: use letters, digits, '.', '_', '-' and inner spaces, \
         never '..'"
    )]
    Segment(String),
    #[error("the Jenkins job '{job}' is outside this tenant's folder '{root}/'")]
    OutsideRoot { job: String, root: String },
}

impl JobPath {
    /// Accepts `a/b/c` where every segment is an item name: letters and digits (any script),
    /// '.', '_', '-' and spaces inside; no segment `.`, nothing with `..`.
    pub fn parse(full_name: &str) -> Result<JobPath, JobPathError> {
        if full_name.is_empty() || full_name.chars().count() > 255 {
            return Err(JobPathError::Length);
        }
        if let Some(bad) = full_name.split('/').find(|s| !is_item_name(s)) {
            return Err(JobPathError::Segment(bad.to_owned()));
        }
        Ok(JobPath(full_name.to_owned()))
    }

    /// The URL path segments: `job`, name, `job`, name…, each percent-encoded by the url crate.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').flat_map(|name| ["job", name])
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// This job, if it lies strictly inside the folder `root` (compared item by item, exactly:
    /// Jenkins names are case-sensitive, and `OTHER/job` is not inside `other`).
    pub fn inside(self, root: &JobPath) -> Result<JobPath, JobPathError> {
        let mut own = self.0.split('/');
        let under = root.0.split('/').all(|folder| own.next() == Some(folder));
        if under && own.next().is_some() {
            Ok(self)
        } else {
            Err(JobPathError::OutsideRoot {
                job: self.0,
                root: root.0.clone(),
            })
        }
    }
}

fn is_item_name(segment: &str) -> bool {
    !segment.is_empty()
        && segment.trim() == segment
        && segment != "."
        && !segment.contains("..")
        && segment
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | ' '))
}

impl fmt::Display for JobPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(name: &str) -> JobPath {
        JobPath::parse(name).unwrap()
    }

    #[test]
    fn folders_become_job_segments() {
        let path = JobPath::parse("Websites/jenkins.io/master").unwrap();
        let segments: Vec<_> = path.segments().collect();
        assert_eq!(
            segments,
            ["job", "Websites", "job", "jenkins.io", "job", "master"]
        );
    }

    #[test]
    fn only_item_names_are_accepted() {
        for good in [
            "a",
            "seoul-hosp/portal",
            "seoul-hosp/team/api v2",
            "서울병원/배포_1.0",
        ] {
            assert!(JobPath::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "a//b",
            "../x",
            "own/../other/job",
            "own/..;/other/job",
            "own%2F..%2Fother/job",
            "own/a;b",
            "own/.",
            "own/ job",
            "own/job?x",
            "own\\job",
            "own/a..b",
        ] {
            assert!(JobPath::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_job_must_lie_inside_its_root() {
        let own = root("seoul-hosp");
        assert!(root("seoul-hosp/portal").inside(&own).is_ok());
        assert!(root("seoul-hosp/team/api").inside(&own).is_ok());
        for outside in [
            "seoul-hosp",
            "busan-city/portal",
            "portal",
            "SEOUL-HOSP/portal",
            "seoul-hosp2/portal",
        ] {
            assert!(root(outside).inside(&own).is_err(), "{outside}");
        }
        let nested = root("institutions/seoul");
        assert!(root("institutions/seoul/portal").inside(&nested).is_ok());
        assert!(root("institutions/busan/portal").inside(&nested).is_err());
    }
}
