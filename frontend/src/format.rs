//! How values read: dates in the user's locale, durations, status labels.

use guardia_shared::Role;
use guardia_shared::sla::Weekday;
use guardia_shared::sr::{SrPriority, SrStatus};

use crate::i18n::Lang;

/// An RFC 3339 time in the browser's time zone and the UI language's conventions.
pub fn date_time(iso: &str, lang: Lang) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(iso));
    if date.get_time().is_nan() {
        return iso.to_owned();
    }
    let locale = match lang {
        Lang::Ko => "ko-KR",
        Lang::En => "en-GB",
    };
    String::from(date.to_locale_string(locale, &wasm_bindgen::JsValue::UNDEFINED))
}

/// Milliseconds as `1 h 02 m`, `3 m 05 s` or `42 s`.
pub fn duration(ms: i64) -> String {
    let seconds = ms.max(0) / 1000;
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h} h {m:02} m")
    } else if m > 0 {
        format!("{m} m {s:02} s")
    } else {
        format!("{s} s")
    }
}

pub fn sr_status(status: SrStatus, lang: Lang) -> &'static str {
    match (status, lang) {
        (SrStatus::Open, Lang::Ko) => "접수",
        (SrStatus::InProgress, Lang::Ko) => "처리 중",
        (SrStatus::OnHold, Lang::Ko) => "보류",
        (SrStatus::Resolved, Lang::Ko) => "해결",
        (SrStatus::Closed, Lang::Ko) => "종료",
        (SrStatus::Cancelled, Lang::Ko) => "취소",
        (SrStatus::Open, Lang::En) => "Open",
        (SrStatus::InProgress, Lang::En) => "In progress",
        (SrStatus::OnHold, Lang::En) => "On hold",
        (SrStatus::Resolved, Lang::En) => "Resolved",
        (SrStatus::Closed, Lang::En) => "Closed",
        (SrStatus::Cancelled, Lang::En) => "Cancelled",
    }
}

pub fn priority(priority: SrPriority, lang: Lang) -> &'static str {
    match (priority, lang) {
        (SrPriority::Low, Lang::Ko) => "낮음",
        (SrPriority::Medium, Lang::Ko) => "보통",
        (SrPriority::High, Lang::Ko) => "높음",
        (SrPriority::Urgent, Lang::Ko) => "긴급",
        (SrPriority::Low, Lang::En) => "Low",
        (SrPriority::Medium, Lang::En) => "Medium",
        (SrPriority::High, Lang::En) => "High",
        (SrPriority::Urgent, Lang::En) => "Urgent",
    }
}

/// A run status, a Jenkins result, a deployment kind or an agent status in the UI language
/// (the API's code when it is one the UI does not know).
pub fn status_label(code: &str, lang: Lang) -> String {
    let (ko, en) = match code {
        "QUEUED" => ("대기", "Queued"),
        "RUNNING" => ("실행 중", "Running"),
        "SUCCESS" => ("성공", "Success"),
        "FAILURE" => ("실패", "Failure"),
        "UNSTABLE" => ("불안정", "Unstable"),
        "ABORTED" => ("중단됨", "Aborted"),
        "NOT_BUILT" => ("빌드 안 됨", "Not built"),
        "DEPLOY" => ("배포", "Deploy"),
        "ROLLBACK" => ("롤백", "Rollback"),
        "ONLINE" => ("온라인", "Online"),
        "OFFLINE" => ("오프라인", "Offline"),
        "OK" => ("정상", "On track"),
        "WARNING" => ("위험", "At risk"),
        "BREACHED" => ("위반", "Breached"),
        other => return other.to_owned(),
    };
    match lang {
        Lang::Ko => ko,
        Lang::En => en,
    }
    .to_owned()
}

/// A day of the week, short.
pub fn weekday(day: Weekday, lang: Lang) -> &'static str {
    let (ko, en) = match day {
        Weekday::Mon => ("월", "Mon"),
        Weekday::Tue => ("화", "Tue"),
        Weekday::Wed => ("수", "Wed"),
        Weekday::Thu => ("목", "Thu"),
        Weekday::Fri => ("금", "Fri"),
        Weekday::Sat => ("토", "Sat"),
        Weekday::Sun => ("일", "Sun"),
    };
    match lang {
        Lang::Ko => ko,
        Lang::En => en,
    }
}

pub fn role(role: Role, lang: Lang) -> &'static str {
    match (role, lang) {
        (Role::Admin, Lang::Ko) => "관리자",
        (Role::Pm, Lang::Ko) => "PM",
        (Role::Engineer, Lang::Ko) => "엔지니어",
        (Role::DeployEngineer, Lang::Ko) => "배포 엔지니어",
        (Role::Customer, Lang::Ko) => "고객",
        (Role::Admin, Lang::En) => "Admin",
        (Role::Pm, Lang::En) => "PM",
        (Role::Engineer, Lang::En) => "Engineer",
        (Role::DeployEngineer, Lang::En) => "Deploy engineer",
        (Role::Customer, Lang::En) => "Customer",
    }
}

/// The badge colour class of a run status, a Jenkins result or an SLA state.
pub fn badge_class(status: &str) -> &'static str {
    match status {
        "SUCCESS" | "OK" => "badge ok",
        "FAILURE" | "BREACHED" => "badge bad",
        "UNSTABLE" | "WARNING" => "badge warn",
        "ABORTED" | "NOT_BUILT" => "badge muted",
        "QUEUED" | "RUNNING" => "badge busy",
        _ => "badge",
    }
}

/// A five-field schedule in words, for the common shapes (every minute, every N minutes, daily
/// or weekly at a time); `None` for the rest, which are shown as written.
pub fn schedule_in_words(schedule: &str, lang: Lang) -> Option<String> {
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    let [minute, hour, day, month, weekday] = fields[..] else {
        return None;
    };
    if (day, month) != ("*", "*") {
        return None;
    }
    let every = |minutes: &str| match lang {
        Lang::Ko => format!("{minutes}분마다"),
        Lang::En if minutes == "1" => "every minute".to_owned(),
        Lang::En => format!("every {minutes} minutes"),
    };
    match (minute, hour, weekday) {
        ("*", "*", "*") => Some(every("1")),
        (m, "*", "*") if m.strip_prefix("*/").is_some_and(|n| n.parse::<u8>().is_ok()) => {
            Some(every(&m[2..]))
        }
        (m, h, w) => {
            let (m, h) = (m.parse::<u8>().ok()?, h.parse::<u8>().ok()?);
            let time = format!("{h:02}:{m:02}");
            if w == "*" {
                return Some(match lang {
                    Lang::Ko => format!("매일 {time}"),
                    Lang::En => format!("daily at {time}"),
                });
            }
            let day = usize::from(w.parse::<u8>().ok()? % 7);
            const KO: [&str; 7] = ["일", "월", "화", "수", "목", "금", "토"];
            const EN: [&str; 7] = [
                "Sunday",
                "Monday",
                "Tuesday",
                "Wednesday",
                "Thursday",
                "Friday",
                "Saturday",
            ];
            Some(match lang {
                Lang::Ko => format!("매주 {}요일 {time}", KO[day]),
                Lang::En => format!("every {} at {time}", EN[day]),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_read_as_words_when_they_can() {
        assert_eq!(
            schedule_in_words("*/5 * * * *", Lang::En).as_deref(),
            Some("every 5 minutes")
        );
        assert_eq!(
            schedule_in_words("*/5 * * * *", Lang::Ko).as_deref(),
            Some("5분마다")
        );
        assert_eq!(
            schedule_in_words("* * * * *", Lang::En).as_deref(),
            Some("every minute")
        );
        assert_eq!(
            schedule_in_words("0 2 * * *", Lang::En).as_deref(),
            Some("daily at 02:00")
        );
        assert_eq!(
            schedule_in_words("30 9 * * 1", Lang::Ko).as_deref(),
            Some("매주 월요일 09:30")
        );
        assert_eq!(schedule_in_words("0 2 1 * *", Lang::En), None);
        assert_eq!(schedule_in_words("0-10 2 * * *", Lang::En), None);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(42_000), "42 s");
        assert_eq!(duration(185_000), "3 m 05 s");
        assert_eq!(duration(3_720_000), "1 h 02 m");
        assert_eq!(duration(-5), "0 s");
    }

    #[test]
    fn statuses_and_roles_read_in_both_languages() {
        assert_eq!(status_label("SUCCESS", Lang::Ko), "성공");
        assert_eq!(status_label("RUNNING", Lang::En), "Running");
        assert_eq!(status_label("SOMETHING_NEW", Lang::Ko), "SOMETHING_NEW");
        for code in [
            "QUEUED",
            "FAILURE",
            "UNSTABLE",
            "ABORTED",
            "NOT_BUILT",
            "ROLLBACK",
            "OFFLINE",
        ] {
            assert_ne!(status_label(code, Lang::Ko), code, "{code} has no Korean label");
        }
        assert_eq!(role(Role::DeployEngineer, Lang::Ko), "배포 엔지니어");
    }

    #[test]
    fn badges_follow_results() {
        assert_eq!(badge_class("SUCCESS"), "badge ok");
        assert_eq!(badge_class("FAILURE"), "badge bad");
        assert_eq!(badge_class("RUNNING"), "badge busy");
    }
}
