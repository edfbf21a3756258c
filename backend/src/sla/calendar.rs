//! Business time: a tenant's working hours on its working days, less its holidays, read in the
//! installation's time zone. Service-level clocks run only inside these windows.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use guardia_shared::sla::Weekday;

/// How far ahead a due time is looked for: a calendar whose holidays cover every working day
/// for ten years has no due time.
const HORIZON_DAYS: u64 = 3_660;

pub const MINUTES_PER_DAY: u16 = 24 * 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessCalendar {
    pub timezone: Tz,
    /// Working days as [`Weekday::bit`]s.
    pub weekdays: u8,
    /// The working day's first minute (0–1439) and the minute it ends (1–1440), local time.
    pub day_start_minute: u16,
    pub day_end_minute: u16,
    pub holidays: BTreeSet<NaiveDate>,
}

impl BusinessCalendar {
    /// Monday to Friday, 09:00 to 18:00, no holidays: the calendar of a tenant that has not
    /// set its own.
    pub fn office_hours(timezone: Tz) -> Self {
        BusinessCalendar {
            timezone,
            weekdays: Weekday::bits_of(&[
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ]),
            day_start_minute: 9 * 60,
            day_end_minute: 18 * 60,
            holidays: BTreeSet::new(),
        }
    }

    /// The working window of one local date, in UTC; `None` on a day off.
    fn window(&self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let weekday = Weekday::ALL[date.weekday().num_days_from_monday() as usize];
        if self.weekdays & weekday.bit() == 0 || self.holidays.contains(&date) {
            return None;
        }
        let start = self.local_instant(date, self.day_start_minute);
        let end = self.local_instant(date, self.day_end_minute);
        (start < end).then_some((start, end))
    }

    /// The instant a local date's minute names. A minute a daylight-saving change skips is
    /// read as the first minute after the gap; a repeated one as its first occurrence.
    fn local_instant(&self, date: NaiveDate, minute: u16) -> DateTime<Utc> {
        let midnight = date.and_time(NaiveTime::MIN);
        let mut local = midnight + TimeDelta::minutes(i64::from(minute));
        for _ in 0..4 {
            if let Some(at) = self.timezone.from_local_datetime(&local).earliest() {
                return at.with_timezone(&Utc);
            }
            local += TimeDelta::minutes(30);
        }
        Utc.from_utc_datetime(&local)
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.timezone).date_naive()
    }

    /// Business seconds between two instants (0 when `to` is not after `from`).
    pub fn seconds_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        if to <= from {
            return 0;
        }
        let mut total = 0;
        let last = self.local_date(to);
        // A window may begin the day before in UTC terms; start one local day early.
        let mut date = self.local_date(from).pred_opt();
        while let Some(day) = date.filter(|day| *day <= last) {
            if let Some((start, end)) = self.window(day) {
                let overlap = end.min(to) - start.max(from);
                total += overlap.num_seconds().max(0);
            }
            date = day.succ_opt();
        }
        total
    }

    /// The instant `seconds` of business time after `from`; `None` when the calendar has no
    /// working time left within ten years.
    pub fn add_seconds(&self, from: DateTime<Utc>, seconds: i64) -> Option<DateTime<Utc>> {
        let mut left = seconds.max(0);
        let first = self.local_date(from).pred_opt()?;
        for offset in 0..HORIZON_DAYS {
            let date = first.checked_add_days(Days::new(offset))?;
            let Some((start, end)) = self.window(date) else {
                continue;
            };
            let begin = start.max(from);
            if begin >= end {
                continue;
            }
            let available = (end - begin).num_seconds();
            if left <= available {
                return Some(begin + TimeDelta::seconds(left));
            }
            left -= available;
        }
        None
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn seoul_office() -> BusinessCalendar {
        BusinessCalendar::office_hours(chrono_tz::Asia::Seoul)
    }

    /// A local Seoul time (UTC+9, no daylight saving).
    pub(crate) fn seoul(text: &str) -> DateTime<Utc> {
        let local: chrono::NaiveDateTime = text.parse().unwrap();
        chrono_tz::Asia::Seoul
            .from_local_datetime(&local)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    const HOUR: i64 = 3_600;

    #[test]
    fn a_clock_runs_only_in_working_hours() {
        let calendar = seoul_office();
        // Tuesday 2026-12-01, 17:00 → 18:00 counts one hour; the night counts nothing.
        assert_eq!(
            calendar.seconds_between(seoul("2026-12-01T17:00:00"), seoul("2026-12-02T08:00:00")),
            HOUR
        );
        // Four business hours from Tuesday 17:00: one on Tuesday, three on Wednesday morning.
        assert_eq!(
            calendar.add_seconds(seoul("2026-12-01T17:00:00"), 4 * HOUR),
            Some(seoul("2026-12-02T12:00:00"))
        );
        // Started at night, the clock starts at 09:00.
        assert_eq!(
            calendar.add_seconds(seoul("2026-12-01T23:30:00"), 30 * 60),
            Some(seoul("2026-12-02T09:30:00"))
        );
    }

    #[test]
    fn weekends_and_holidays_do_not_count() {
        let mut calendar = seoul_office();
        // Friday 2026-12-04 16:00 + 4 h → Monday 2026-12-07 11:00.
        assert_eq!(
            calendar.add_seconds(seoul("2026-12-04T16:00:00"), 4 * HOUR),
            Some(seoul("2026-12-07T11:00:00"))
        );
        calendar.holidays.insert("2026-12-07".parse().unwrap());
        assert_eq!(
            calendar.add_seconds(seoul("2026-12-04T16:00:00"), 4 * HOUR),
            Some(seoul("2026-12-08T11:00:00"))
        );
        assert_eq!(
            calendar.seconds_between(seoul("2026-12-04T16:00:00"), seoul("2026-12-08T11:00:00")),
            4 * HOUR
        );
    }

    #[test]
    fn adding_and_measuring_agree() {
        let calendar = seoul_office();
        let from = seoul("2026-12-03T10:15:00");
        for minutes in [0, 1, 45, 465, 540, 541, 2_700, 10_000] {
            let due = calendar.add_seconds(from, minutes * 60).unwrap();
            assert_eq!(calendar.seconds_between(from, due), minutes * 60, "{minutes} min");
        }
    }

    #[test]
    fn a_round_the_clock_calendar_is_wall_time() {
        let calendar = BusinessCalendar {
            weekdays: 0x7f,
            day_start_minute: 0,
            day_end_minute: MINUTES_PER_DAY,
            ..seoul_office()
        };
        let from = seoul("2026-12-05T22:00:00");
        assert_eq!(
            calendar.add_seconds(from, 5 * HOUR),
            Some(from + TimeDelta::hours(5))
        );
        assert_eq!(
            calendar.seconds_between(from, from + TimeDelta::days(3)),
            72 * HOUR
        );
    }

    #[test]
    fn working_hours_follow_daylight_saving() {
        // Berlin: 2026-03-29 the clocks go forward; 09:00 local is 08:00 UTC before, 07:00 after.
        let calendar = BusinessCalendar {
            weekdays: 0x7f,
            ..BusinessCalendar::office_hours(chrono_tz::Europe::Berlin)
        };
        let saturday_open: DateTime<Utc> = "2026-03-28T08:00:00Z".parse().unwrap();
        let monday_open: DateTime<Utc> = "2026-03-30T07:00:00Z".parse().unwrap();
        // Saturday and Sunday are worked here: 18 hours between the two openings.
        assert_eq!(calendar.seconds_between(saturday_open, monday_open), 18 * HOUR);
    }

    #[test]
    fn a_calendar_without_working_time_has_no_due_time() {
        let mut calendar = seoul_office();
        let start: NaiveDate = "2026-12-01".parse().unwrap();
        calendar.holidays = (0..HORIZON_DAYS + 2)
            .map(|d| start.checked_add_days(Days::new(d)).unwrap())
            .collect();
        assert_eq!(calendar.add_seconds(seoul("2026-12-01T10:00:00"), 60), None);
    }
}
