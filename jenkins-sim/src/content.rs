//! What builds produce: the console log (grown with elapsed time, CRLF line ends as Jenkins'
//! `LineEndNormalizingWriter` writes them) and deterministic artifact bytes.

use std::convert::Infallible;

use axum::body::Body;

use crate::state::{Build, Cause, Job};

/// Lines of a console log; cut off a console with thousands of lines for seeded builds.
const MAX_STEPS: i64 = 500;

/// The whole console text of `build` at `now`. While building, the last line may be partial
/// (no CRLF yet): `progressiveText` must hold it back until it is complete.
pub(crate) fn console_text(job: &Job, build: &Build, now: i64, interval_ms: i64) -> String {
    let interval = interval_ms.max(1);
    let mut out = String::new();
    let mut line = |text: &str| {
        out.push_str(text);
        out.push_str("\r\n");
    };
    line(&match &build.cause {
        Cause::User(user) => format!("Started by user {user}"),
        Cause::Timer => "Started by timer".to_owned(),
    });
    line("Running as SYSTEM");
    line(&format!(
        "Building in workspace /var/jenkins_home/workspace/{}",
        job.full_name
    ));
    for p in &build.parameters {
        line(&format!("[deploy] {}={}", p.name, p.value.as_text()));
    }
    let total = (crate::state::millis(job.spec.build_duration) / interval).clamp(1, MAX_STEPS);
    let shown = if build.building() {
        ((now - build.timestamp).max(0) / interval).min(total)
    } else if build.aborted {
        ((build.ends_at - build.timestamp).max(0) / interval).min(total)
    } else {
        total
    };
    for k in 1..=shown {
        line(&format!("[deploy] step {k}/{total}: {}", step_name(k, total)));
    }
    if build.building() {
        if shown < total {
            // Written without its line end yet.
            out.push_str(&format!("[deploy] step {}/{total}: ", shown + 1));
        }
        return out;
    }
    let mut line = |text: &str| {
        out.push_str(text);
        out.push_str("\r\n");
    };
    if build.aborted {
        line(&match &build.cause {
            Cause::User(user) => format!("Aborted by {user}"),
            Cause::Timer => "Aborted by SYSTEM".to_owned(),
        });
    } else if !job.spec.artifacts.is_empty() {
        line("Archiving artifacts");
    }
    let result = build.result.map_or("SUCCESS", |r| r.as_str());
    line(&format!("Finished: {result}"));
    out
}

fn step_name(k: i64, total: i64) -> &'static str {
    match k {
        1 => "fetching sources",
        k if k == total => "smoke test",
        k if k * 2 < total => "compiling",
        _ => "deploying",
    }
}

/// One line that artifact content repeats: identifies job, build and file.
fn pattern(job: &str, number: u32, relative_path: &str) -> Vec<u8> {
    format!("job {job} build {number} file {relative_path}\n").into_bytes()
}

fn cycle(pattern: &[u8], start: usize, end: usize) -> Vec<u8> {
    (start..end).map(|at| pattern[at % pattern.len()]).collect()
}

pub(crate) fn artifact_bytes(job: &str, number: u32, relative_path: &str, size: usize) -> Vec<u8> {
    cycle(&pattern(job, number, relative_path), 0, size)
}

/// The same bytes as [`artifact_bytes`], produced chunk by chunk so big artifacts stream.
pub(crate) fn artifact_body(job: &str, number: u32, relative_path: &str, size: usize) -> Body {
    const CHUNK: usize = 64 * 1024;
    let pattern = pattern(job, number, relative_path);
    let chunks = (0..size.div_ceil(CHUNK)).map(move |i| {
        let start = i * CHUNK;
        Ok::<_, Infallible>(cycle(&pattern, start, (start + CHUNK).min(size)))
    });
    Body::from_stream(futures_util::stream::iter(chunks))
}

/// The type Jetty's MIME table gives these extensions.
pub(crate) fn content_type(relative_path: &str) -> &'static str {
    let extension = relative_path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("jar" | "war" | "ear") => "application/java-archive",
        Some("zip") => "application/zip",
        Some("txt" | "log") => "text/plain",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("html" | "htm") => "text/html",
        Some("gz" | "tgz") => "application/gzip",
        _ => "application/octet-stream",
    }
}

/// `Util.getTimeSpanString`: "4.6 sec", "15 sec", "1 min 5 sec", "12 min", "0.46 sec", "40 ms".
pub(crate) fn time_span(ms: i64) -> String {
    let ms = ms.max(0);
    let (hours, minutes, seconds, millis) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    let two = |big: i64, big_unit: &str, small: i64, small_unit: &str| {
        if big >= 10 {
            format!("{big} {big_unit}")
        } else {
            format!("{big} {big_unit} {small} {small_unit}")
        }
    };
    if hours > 0 {
        two(hours, "hr", minutes, "min")
    } else if minutes > 0 {
        two(minutes, "min", seconds, "sec")
    } else if seconds >= 10 {
        format!("{seconds} sec")
    } else if seconds >= 1 {
        match millis / 100 {
            0 => format!("{seconds} sec"),
            tenths => format!("{seconds}.{tenths} sec"),
        }
    } else if millis >= 100 {
        let hundredths = millis / 10;
        let text = format!("0.{hundredths:02}");
        format!("{} sec", text.trim_end_matches('0'))
    } else {
        format!("{millis} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_spans_read_like_jenkins() {
        assert_eq!(time_span(4_630), "4.6 sec");
        assert_eq!(time_span(15_200), "15 sec");
        assert_eq!(time_span(65_000), "1 min 5 sec");
        assert_eq!(time_span(460), "0.46 sec");
        assert_eq!(time_span(40), "40 ms");
    }

    #[test]
    fn artifacts_stream_the_same_bytes() {
        let bytes = artifact_bytes("app", 7, "target/app.jar", 100);
        assert_eq!(bytes.len(), 100);
        assert!(bytes.starts_with(b"job app build 7 file target/app.jar\n"));
        assert_eq!(content_type("target/app.jar"), "application/java-archive");
        assert_eq!(content_type("README"), "application/octet-stream");
    }
}
