//! `jenkins-sim [--port 8081]`: the simulator with a demo job, for trying GUARDiA by hand.

use std::net::SocketAddr;
use std::process::ExitCode;

use guardia_jenkins_sim::{BuildResult, JenkinsSim, JobSpec, SimOptions};

const JOB: &str = "demo/web-app";

#[tokio::main]
async fn main() -> ExitCode {
    let mut port: u16 = 8081;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().map(|v| v.parse::<u16>())) {
            ("--port", Some(Ok(value))) => port = value,
            _ => {
                eprintln!("usage: jenkins-sim [--port 8081]");
                return ExitCode::from(2);
            }
        }
    }
    let sim =
        match JenkinsSim::start_on(SocketAddr::from(([127, 0, 0, 1], port)), SimOptions::default()).await {
            Ok(sim) => sim,
            Err(error) => {
                eprintln!("jenkins-sim: cannot listen on 127.0.0.1:{port}: {error}");
                return ExitCode::FAILURE;
            }
        };
    sim.add_job(
        JOB,
        JobSpec {
            build_duration: std::time::Duration::from_secs(20),
            ..JobSpec::deploy(
                ("target/web-app.jar", 200 * 1024),
                ("reports/summary.txt", 2 * 1024),
            )
        },
    );
    sim.seed_builds(JOB, 30, BuildResult::Success);
    for failed in [7, 18, 26] {
        sim.set_build_result(JOB, failed, BuildResult::Failure);
    }
    println!("Jenkins simulator at {}", sim.url());
    println!("JENKINS_URL={}", sim.url());
    println!("JENKINS_USER={}", sim.user());
    println!("JENKINS_TOKEN={}", sim.token());
    println!("job: {JOB} (30 builds). Ctrl-C stops.");
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("jenkins-sim: cannot wait for Ctrl-C: {error}");
    }
    sim.shutdown();
    ExitCode::SUCCESS
}
