//! The real `guardia` binary as a child process: one-shot CLI runs, and a served instance where
//! the process itself is under test.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;

use crate::TestDb;
use crate::server::{Guardia, GuardiaOptions, Running};

/// The workspace root (where `dist/` and `target/` live). Cargo and nextest name the test's
/// package folder at run time; the folder baked in at compile time is only the fallback, since
/// a build shared with another checkout of the repository may carry that checkout's folder.
pub fn workspace_root() -> PathBuf {
    let package = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    package.parent().expect("tests/ has a parent").to_owned()
}

/// The `guardia` binary beside this test binary (`GUARDIA_BIN` overrides). `cargo nextest run`
/// (or `cargo test`) on the workspace builds it with the tests, as backend has integration
/// tests; when a narrower run did not, it is built here, once per test process.
pub fn guardia_bin() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(path) = std::env::var_os("GUARDIA_BIN") {
            return PathBuf::from(path);
        }
        // target/<profile>/deps/integration-… → target/<profile>/guardia
        let exe = std::env::current_exe().expect("test binary path");
        let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>");
        let bin = profile_dir.join("guardia");
        if !bin.is_file() {
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let mut build = std::process::Command::new(cargo);
            build
                .args(["build", "--quiet", "--bin", "guardia"])
                .current_dir(workspace_root());
            if profile_dir.file_name().is_some_and(|name| name == "release") {
                build.arg("--release");
            }
            let built = build.output().expect("run cargo build");
            assert!(
                built.status.success(),
                "cargo build --bin guardia failed:\n{}",
                String::from_utf8_lossy(&built.stderr)
            );
        }
        assert!(bin.is_file(), "{} is missing", bin.display());
        bin
    })
    .clone()
}

/// Runs `guardia ARGS` against a test database, feeding `stdin`; waits at most 60 s.
pub async fn run_cli(db: &TestDb, args: &[&str], stdin: Option<&str>) -> Output {
    run_cli_with_url(db, db.url(), args, stdin).await
}

/// Like [`run_cli`] with an explicit `DATABASE_URL` (e.g. one that cannot be reached).
pub async fn run_cli_with_url(db: &TestDb, url: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = tokio::process::Command::new(guardia_bin())
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .current_dir(db.workdir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start guardia");
    let mut pipe = child.stdin.take().expect("stdin piped");
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).await.expect("write stdin");
    }
    drop(pipe);
    tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("guardia CLI finished within 60 s")
        .expect("guardia CLI ran")
}

impl Guardia {
    /// Starts `guardia serve` as a child process on a free loopback port and waits until
    /// `/healthz` answers: for tests where the process is the point (signals, a crash and a
    /// restart, its memory, its files in the working directory).
    pub async fn start_process(db: &TestDb, options: GuardiaOptions) -> Self {
        let port = free_port();
        let web_dir = options.web_dir.unwrap_or_else(|| db.workdir().join("no-web-app"));
        let mut command = tokio::process::Command::new(guardia_bin());
        command
            .arg("serve")
            .args(&options.flags)
            .env("GUARDIA_JWT_SECRET", crate::api::JWT_SECRET)
            .env("GUARDIA_CREDENTIAL_KEY", crate::api::CREDENTIAL_KEY)
            .env("DATABASE_URL", db.url())
            .env("GUARDIA_BIND", format!("127.0.0.1:{port}"))
            .env("GUARDIA_WEB_DIR", web_dir)
            .env("GUARDIA_METRICS_TOKEN", crate::api::METRICS_TOKEN)
            .env("RUST_LOG", "warn")
            .current_dir(db.workdir())
            .stdin(Stdio::null())
            .kill_on_drop(true);
        for (key, value) in &options.env {
            command.env(key, value);
        }
        Self::launch(command, port).await
    }

    /// Starts `guardia demo ARGS` in `workdir` on a free loopback port (`--bind` is added),
    /// with its standard output piped (see [`Guardia::take_stdout`]), and waits until
    /// `/healthz` answers.
    pub async fn start_demo(workdir: &Path, args: &[&str]) -> Self {
        let port = free_port();
        let mut command = tokio::process::Command::new(guardia_bin());
        command
            .arg("demo")
            .arg("--bind")
            .arg(format!("127.0.0.1:{port}"))
            .args(args)
            .env_remove("DATABASE_URL")
            .env_remove("GUARDIA_JWT_SECRET")
            .env_remove("GUARDIA_CREDENTIAL_KEY")
            .env_remove("GUARDIA_WEB_DIR")
            .env("RUST_LOG", "warn")
            .current_dir(workdir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        Self::launch(command, port).await
    }

    /// The process's standard output, when it was piped (once).
    pub fn take_stdout(&mut self) -> Option<tokio::process::ChildStdout> {
        self.child_mut().stdout.take()
    }

    /// Spawns a prepared `guardia` command listening on `port` and waits for `/healthz`.
    async fn launch(mut command: tokio::process::Command, port: u16) -> Self {
        let mut child = command.spawn().expect("start guardia");
        let base_url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(response) = http.get(format!("{base_url}/healthz")).send().await
                && response.status().is_success()
            {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("guardia exited early with {status}");
            }
            assert!(
                Instant::now() < deadline,
                "guardia did not answer /healthz within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Guardia {
            scheduler: None,
            sla_watch: None,
            running: Running::Process(child),
            base_url,
            http,
        }
    }

    /// The most memory the process has had resident so far (VmHWM), in MB.
    pub fn peak_rss_mb(&self) -> f64 {
        let pid = self.child().id().expect("running");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc/<pid>/status");
        let kb: f64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .expect("a VmHWM line");
        kb / 1024.0
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub async fn kill(&mut self) {
        self.child_mut().kill().await.expect("kill guardia");
    }

    /// Sends SIGTERM and waits for the exit status (graceful shutdown).
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child().id().expect("running");
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        tokio::time::timeout(Duration::from_secs(20), self.child_mut().wait())
            .await
            .expect("guardia stopped within 20 s of SIGTERM")
            .expect("exit status")
    }
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A PostgreSQL look-alike on a free port that answers every connection as a server with
/// password authentication does when the password is wrong (SQLSTATE 28P01): the test
/// cluster trusts local logins, so it never says this itself.
pub async fn refusing_password_server(user: &str) -> u16 {
    use tokio::io::AsyncReadExt;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let message = format!("password authentication failed for user \"{user}\"");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let message = message.clone();
            tokio::spawn(async move {
                // Startup packets: length, then a code; an SSL request (80877103) is declined.
                loop {
                    let length = socket.read_i32().await.ok()? as usize;
                    let mut body = vec![0; length.checked_sub(4)?];
                    socket.read_exact(&mut body).await.ok()?;
                    if body.get(..4) == Some(&80_877_103_i32.to_be_bytes()[..]) {
                        socket.write_all(b"N").await.ok()?;
                        continue;
                    }
                    break;
                }
                let mut fields = Vec::new();
                for (tag, value) in [
                    (b'S', "FATAL"),
                    (b'V', "FATAL"),
                    (b'C', "28P01"),
                    (b'M', message.as_str()),
                ] {
                    fields.push(tag);
                    fields.extend_from_slice(value.as_bytes());
                    fields.push(0);
                }
                fields.push(0);
                let mut packet = vec![b'E'];
                packet.extend_from_slice(&(fields.len() as i32 + 4).to_be_bytes());
                packet.extend_from_slice(&fields);
                socket.write_all(&packet).await.ok()
            });
        }
    });
    port
}
