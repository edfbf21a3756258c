//! The demo's Jenkins: the simulator on a loopback port, with each institution's portal and
//! nightly-report jobs and their builds.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context;
use guardia_jenkins_sim::{ArtifactSpec, BuildResult, JenkinsSim, JobSpec, SimOptions};
use rand::RngCore;

use super::data::{INSTITUTIONS, NIGHTLY_BUILDS, NIGHTLY_FAILED, PORTAL_BUILDS, PORTAL_FAILED};
use crate::jenkins::{self, Jenkins, JobPath};

pub(super) fn portal_job(tenant: &str) -> String {
    format!("{tenant}/portal")
}

pub(super) fn nightly_job(tenant: &str) -> String {
    format!("{tenant}/nightly-report")
}

/// The simulated Jenkins on a free loopback port, with each institution's jobs and builds.
pub(super) async fn start_simulator() -> anyhow::Result<JenkinsSim> {
    let mut secret = [0u8; 16];
    rand::rng().fill_bytes(&mut secret);
    let token: String = std::iter::once("11".to_owned())
        .chain(secret.iter().map(|b| format!("{b:02x}")))
        .collect();
    let options = SimOptions {
        user: "guardia-demo".into(),
        token,
        ..SimOptions::default()
    };
    let sim = JenkinsSim::start(options)
        .await
        .context("cannot start the Jenkins simulator on 127.0.0.1")?;
    for institution in &INSTITUTIONS {
        let portal = portal_job(institution.tenant.code);
        sim.add_job(
            &portal,
            JobSpec {
                quiet_period: Duration::from_secs(1),
                build_duration: Duration::from_secs(4),
                ..JobSpec::deploy(
                    ("target/portal.war", 300 * 1024),
                    ("reports/release-notes.txt", 2 * 1024),
                )
            },
        );
        sim.seed_builds(&portal, PORTAL_BUILDS, BuildResult::Success);
        for failed in PORTAL_FAILED {
            sim.set_build_result(&portal, failed, BuildResult::Failure);
        }
        let nightly = nightly_job(institution.tenant.code);
        sim.add_job(
            &nightly,
            JobSpec {
                artifacts: vec![ArtifactSpec {
                    relative_path: "out/nightly-report.csv".into(),
                    size: 8 * 1024,
                }],
                build_duration: Duration::from_secs(3),
                ..JobSpec::default()
            },
        );
        sim.seed_builds(&nightly, NIGHTLY_BUILDS, BuildResult::Success);
        for failed in NIGHTLY_FAILED {
            sim.set_build_result(&nightly, failed, BuildResult::Failure);
        }
    }
    Ok(sim)
}

/// The newest builds of a simulated job, by number.
pub(super) async fn builds_of(
    jenkins: &dyn Jenkins,
    job: &str,
) -> anyhow::Result<HashMap<u32, jenkins::Build>> {
    let path = JobPath::parse(job).with_context(|| format!("job path {job}"))?;
    let builds = jenkins
        .history(&path, 50)
        .await
        .with_context(|| format!("the simulator's builds of {job}"))?;
    Ok(builds.into_iter().map(|b| (b.number, b)).collect())
}
