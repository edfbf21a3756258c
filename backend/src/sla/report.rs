//! The monthly service-level report: for the SRs created in one month, per priority, how many
//! met their response and resolution targets, how long they took (median and 90th percentile
//! in business minutes) and which targets were missed.

use chrono::{DateTime, Utc};
use guardia_shared::sla::{SlaClock, SlaState};
use guardia_shared::sr::SrPriority;

use super::standing::{ClockStanding, Standing};

/// One SR of the month, with its clocks.
#[derive(Debug, Clone)]
pub struct ReportedSr {
    pub id: String,
    pub title: String,
    pub priority: SrPriority,
    pub created_at: DateTime<Utc>,
    pub standing: Standing,
}

/// How one clock did over a set of SRs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attainment {
    /// Targets met in time.
    pub met: u32,
    /// Targets missed: met late, or not met and past due.
    pub missed: u32,
    /// Clocks still running or paused within their target: not counted in the percentage.
    pub pending: u32,
    /// `met` of `met + missed`, in percent with one decimal; `None` when nothing is decided.
    pub percent: Option<f64>,
    /// Business minutes to the met target (in time or late), nearest-rank percentiles.
    pub median_minutes: Option<i64>,
    pub p90_minutes: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PriorityFigures {
    pub priority: SrPriority,
    pub srs: u32,
    pub response: Attainment,
    pub resolution: Attainment,
}

/// A missed target.
#[derive(Debug, Clone, PartialEq)]
pub struct Breach {
    pub sr_id: String,
    pub title: String,
    pub priority: SrPriority,
    pub clock: SlaClock,
    pub due_at: Option<DateTime<Utc>>,
    pub met_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MonthlyReport {
    /// `YYYY-MM`.
    pub month: String,
    /// One row per priority, LOW to URGENT, with SRs or not.
    pub priorities: Vec<PriorityFigures>,
    /// Every missed target, oldest SR first.
    pub breaches: Vec<Breach>,
}

impl MonthlyReport {
    /// The report of `srs` (the month's SRs with targets) as they stand at `now`.
    pub fn build(month: String, srs: &[ReportedSr], now: DateTime<Utc>) -> MonthlyReport {
        let priorities = SrPriority::ALL
            .iter()
            .map(|priority| {
                let of_priority: Vec<&ReportedSr> =
                    srs.iter().filter(|sr| sr.priority == *priority).collect();
                PriorityFigures {
                    priority: *priority,
                    srs: of_priority.len() as u32,
                    response: attainment(of_priority.iter().map(|sr| &sr.standing.response), now),
                    resolution: attainment(of_priority.iter().map(|sr| &sr.standing.resolution), now),
                }
            })
            .collect();
        let mut ordered: Vec<&ReportedSr> = srs.iter().collect();
        ordered.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        let breaches = ordered
            .into_iter()
            .flat_map(|sr| {
                [
                    (SlaClock::Response, &sr.standing.response),
                    (SlaClock::Resolution, &sr.standing.resolution),
                ]
                .into_iter()
                .filter(|(_, clock)| clock.state(now) == SlaState::Breached)
                .map(|(name, clock)| Breach {
                    sr_id: sr.id.clone(),
                    title: sr.title.clone(),
                    priority: sr.priority,
                    clock: name,
                    due_at: clock.due_at,
                    met_at: clock.met_at,
                })
            })
            .collect();
        MonthlyReport {
            month,
            priorities,
            breaches,
        }
    }

    /// The report as CSV: a header and one line per priority and clock, then a header and one
    /// line per breach.
    pub fn to_csv(&self) -> String {
        // Two tables in one file: the figures, then the breaches (fewer columns).
        let mut out = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
        let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        let mut lines: Vec<Vec<String>> = vec![
            [
                "month",
                "priority",
                "clock",
                "srs",
                "met",
                "missed",
                "pending",
                "attainment_percent",
                "median_minutes",
                "p90_minutes",
            ]
            .map(str::to_owned)
            .to_vec(),
        ];
        for row in &self.priorities {
            for (clock, figures) in [
                (SlaClock::Response, &row.response),
                (SlaClock::Resolution, &row.resolution),
            ] {
                lines.push(vec![
                    self.month.clone(),
                    row.priority.to_string(),
                    clock.to_string(),
                    row.srs.to_string(),
                    figures.met.to_string(),
                    figures.missed.to_string(),
                    figures.pending.to_string(),
                    figures.percent.map(|p| format!("{p:.1}")).unwrap_or_default(),
                    number(figures.median_minutes),
                    number(figures.p90_minutes),
                ]);
            }
        }
        lines.push(
            ["breach_sr", "title", "priority", "clock", "due_at", "met_at"]
                .map(str::to_owned)
                .to_vec(),
        );
        let time = |at: Option<DateTime<Utc>>| at.map(|at| at.to_rfc3339()).unwrap_or_default();
        for breach in &self.breaches {
            lines.push(vec![
                breach.sr_id.clone(),
                breach.title.clone(),
                breach.priority.to_string(),
                breach.clock.to_string(),
                time(breach.due_at),
                time(breach.met_at),
            ]);
        }
        for line in lines {
            // Writing to memory cannot fail.
            let _ = out.write_record(&line);
        }
        String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

fn attainment<'a>(clocks: impl Iterator<Item = &'a ClockStanding>, now: DateTime<Utc>) -> Attainment {
    let mut figures = Attainment::default();
    let mut minutes = Vec::new();
    for clock in clocks {
        let state = clock.state(now);
        if let (Some(_), Some(elapsed)) = (clock.met_at, clock.elapsed_seconds) {
            minutes.push(elapsed / 60);
        }
        match (clock.met_at, state) {
            (Some(_), SlaState::Breached) | (None, SlaState::Breached) => figures.missed += 1,
            (Some(_), _) => figures.met += 1,
            (None, _) => figures.pending += 1,
        }
    }
    let decided = figures.met + figures.missed;
    if decided > 0 {
        let percent = f64::from(figures.met) * 100.0 / f64::from(decided);
        figures.percent = Some((percent * 10.0).round() / 10.0);
    }
    minutes.sort_unstable();
    figures.median_minutes = nearest_rank(&minutes, 50);
    figures.p90_minutes = nearest_rank(&minutes, 90);
    figures
}

/// The nearest-rank percentile of sorted values: the smallest value with at least
/// `percent` % of the values at or below it.
fn nearest_rank(sorted: &[i64], percent: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (sorted.len() * percent).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
        assert_eq!(nearest_rank(&values, 50), Some(50));
        assert_eq!(nearest_rank(&values, 90), Some(90));
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        assert_eq!(nearest_rank(&[1, 2, 3], 50), Some(2));
        assert_eq!(nearest_rank(&[], 50), None);
    }
}
