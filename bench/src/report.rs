//! Plain aligned tables and the number formats they use: easy to read in a terminal and to
//! paste into an issue as they are.

use std::fmt::Write as _;
use std::time::Duration;

use hdrhistogram::Histogram;

/// A table printed with every column as wide as its widest cell; the first column is left-
/// aligned (names), the others right-aligned (figures).
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Table {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let line = |out: &mut String, cells: &[String]| {
            let mut text = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = cells.get(i).map_or("", String::as_str);
                if i > 0 {
                    text.push_str("  ");
                }
                if i == 0 {
                    let _ = write!(text, "{cell:<width$}");
                } else {
                    let _ = write!(text, "{cell:>width$}");
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(&mut out, &self.headers);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        line(&mut out, &rule);
        for row in &self.rows {
            line(&mut out, row);
        }
        out
    }

    pub fn print(&self) {
        print!("{}", self.render());
    }
}

/// A latency histogram in microseconds, from 1 µs to one minute, 3 significant digits.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("static histogram bounds are valid")
}

/// Records one latency (clamped into the histogram's range).
pub fn record(histogram: &mut Histogram<u64>, latency: Duration) {
    let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
    histogram.saturating_record(micros.max(1));
}

/// The latency at a quantile (0.5 = p50), formatted in milliseconds; "-" when nothing was
/// recorded.
pub fn quantile_ms(histogram: &Histogram<u64>, quantile: f64) -> String {
    if histogram.is_empty() {
        return "-".to_owned();
    }
    micros_as_ms(histogram.value_at_quantile(quantile))
}

/// Microseconds as milliseconds with two decimals below 10 ms, one below 100 ms, none above
/// (the precision a latency figure deserves).
pub fn micros_as_ms(micros: u64) -> String {
    let ms = micros as f64 / 1000.0;
    if ms < 10.0 {
        format!("{ms:.2}")
    } else if ms < 100.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.0}")
    }
}

/// A rate with no decimals above 100 and one below.
pub fn rate(count: u64, elapsed: Duration) -> f64 {
    let seconds = elapsed.as_secs_f64();
    if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    }
}

pub fn format_rate(per_second: f64) -> String {
    if per_second >= 100.0 {
        format!("{per_second:.0}")
    } else {
        format!("{per_second:.1}")
    }
}

/// A ratio such as "1.07×", or "-" when the denominator is zero.
pub fn ratio(numerator: f64, denominator: f64) -> String {
    if denominator > 0.0 {
        format!("{:.2}×", numerator / denominator)
    } else {
        "-".to_owned()
    }
}

/// Seconds with one decimal ("12.3 s"), or milliseconds below one second.
pub fn duration(elapsed: Duration) -> String {
    if elapsed < Duration::from_secs(1) {
        format!("{} ms", elapsed.as_millis())
    } else {
        format!("{:.1} s", elapsed.as_secs_f64())
    }
}

/// The CPU time this process has used so far (user and system, all threads), from
/// `/proc/self/stat` in clock ticks of 10 ms; zero where that file is missing.
pub fn client_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime: fields 14 and 15 of the line, the 12th and 13th after the name.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_keep_a_sensible_precision() {
        assert_eq!(micros_as_ms(1_234), "1.23");
        assert_eq!(micros_as_ms(12_345), "12.3");
        assert_eq!(micros_as_ms(123_456), "123");
        assert_eq!(micros_as_ms(0), "0.00");
    }

    #[test]
    fn quantiles_come_from_the_histogram() {
        let mut histogram = new_histogram();
        assert_eq!(quantile_ms(&histogram, 0.5), "-");
        for ms in 1..=100 {
            record(&mut histogram, Duration::from_millis(ms));
        }
        assert_eq!(quantile_ms(&histogram, 0.5), "50.0");
        assert_eq!(quantile_ms(&histogram, 0.99), "99.0");
    }

    #[test]
    fn rates_and_ratios() {
        assert_eq!(format_rate(rate(2_500, Duration::from_secs(2))), "1250");
        assert_eq!(format_rate(rate(5, Duration::from_secs(2))), "2.5");
        assert_eq!(ratio(1.0, 2.0), "0.50×");
        assert_eq!(ratio(1.0, 0.0), "-");
        assert_eq!(duration(Duration::from_millis(250)), "250 ms");
        assert_eq!(duration(Duration::from_millis(12_340)), "12.3 s");
    }

    #[test]
    fn columns_align() {
        let mut table = Table::new(&["scenario", "req/s"]);
        table.row(vec!["srs".into(), "12".into()]);
        table.row(vec!["createSr".into(), "1234".into()]);
        assert_eq!(
            table.render(),
            "scenario  req/s\n--------  -----\nsrs          12\ncreateSr   1234\n"
        );
    }
}
