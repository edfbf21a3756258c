//! The real `guardia serve` as a child process on a free loopback port, and what the bench reads
//! about it from outside (start-up time, resident memory).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use guardia_backend::db::DatabaseUrl;

/// Secrets for the benchmark server only (tokens it issues never leave this machine).
pub const JWT_SECRET: &str = "guardia-bench-jwt-secret-0123456789abcdefghij";
/// 32 bytes of 0x2a, base64.
const CREDENTIAL_KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";
/// How long a start may take (migrations of a large database included).
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// A running `guardia serve`; killed when dropped.
pub struct Guardia {
    child: tokio::process::Child,
    pid: u32,
    pub base_url: String,
    /// From spawning the process until `/healthz` first answered 200.
    pub startup: Duration,
    log: PathBuf,
}

impl Guardia {
    /// Spawns `guardia serve` on `url` and waits until `/healthz` answers.
    pub async fn start(binary: &Path, url: &DatabaseUrl) -> anyhow::Result<Self> {
        Self::start_with(binary, url, &[]).await
    }

    /// Like [`Guardia::start`], with more environment (e.g. a Jenkins to use).
    pub async fn start_with(
        binary: &Path,
        url: &DatabaseUrl,
        env: &[(&str, String)],
    ) -> anyhow::Result<Self> {
        let port = free_port()?;
        let log = std::env::temp_dir().join(format!("guardia-bench-{port}.log"));
        let log_file =
            std::fs::File::create(&log).with_context(|| format!("cannot create {}", log.display()))?;
        let database_url = match url {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(raw) => raw.clone(),
        };
        let started = Instant::now();
        let mut child = tokio::process::Command::new(binary)
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("GUARDIA_BIND", format!("127.0.0.1:{port}"))
            .env("GUARDIA_JWT_SECRET", JWT_SECRET)
            .env("GUARDIA_CREDENTIAL_KEY", CREDENTIAL_KEY)
            .env("GUARDIA_WEB_DIR", "/nonexistent")
            .env("RUST_LOG", "warn")
            .env("NO_COLOR", "1")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let pid = child.id().context("guardia exited at once")?;
        let base_url = format!("http://127.0.0.1:{port}");
        // A client of its own: a fresh connection per poll, nothing pooled from a dead server.
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .context("cannot build an HTTP client")?;
        let deadline = started + START_TIMEOUT;
        loop {
            if let Ok(response) = http.get(format!("{base_url}/healthz")).send().await
                && response.status().is_success()
            {
                break;
            }
            if let Some(status) = child.try_wait()? {
                bail!("guardia serve exited with {status}:\n{}", tail(&log));
            }
            if Instant::now() > deadline {
                bail!(
                    "guardia serve did not answer /healthz within {START_TIMEOUT:?}:\n{}",
                    tail(&log)
                );
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok(Guardia {
            startup: started.elapsed(),
            child,
            pid,
            base_url,
            log,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The server's resident memory now, in MB (VmRSS).
    pub fn rss_mb(&self) -> Option<f64> {
        proc_status_kb(self.pid, "VmRSS:").map(|kb| kb as f64 / 1024.0)
    }

    /// The most resident memory the server has had, in MB (VmHWM).
    pub fn peak_rss_mb(&self) -> Option<f64> {
        proc_status_kb(self.pid, "VmHWM:").map(|kb| kb as f64 / 1024.0)
    }

    /// The error lines of the server's log (the last 20), for a report.
    pub fn log_errors(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let errors: Vec<&str> = text.lines().filter(|line| line.contains("ERROR")).collect();
        errors[errors.len().saturating_sub(20)..].join("\n")
    }

    /// Stops the server as an operator would (SIGTERM, so SQLite checkpoints its WAL), and
    /// kills it if it has not exited within ten seconds.
    pub async fn stop(mut self) {
        let terminated = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .is_ok_and(|status| status.success());
        let exited = terminated
            && tokio::time::timeout(Duration::from_secs(10), self.child.wait())
                .await
                .is_ok();
        if !exited {
            let _ = self.child.kill().await;
        }
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("no free loopback port")?;
    Ok(listener.local_addr()?.port())
}

pub(crate) fn proc_status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status_field_kb(&status, field)
}

/// A `kB` field of `/proc/<pid>/status`, e.g. `VmRSS:     12345 kB`.
fn status_field_kb(status: &str, field: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
}

/// The last lines of a log file.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_memory_fields_of_proc_status() {
        let status = "Name:\tguardia\nVmHWM:\t   81234 kB\nVmRSS:\t   40960 kB\nThreads:\t5\n";
        assert_eq!(status_field_kb(status, "VmRSS:"), Some(40_960));
        assert_eq!(status_field_kb(status, "VmHWM:"), Some(81_234));
        assert_eq!(status_field_kb(status, "VmSwap:"), None);
    }
}
