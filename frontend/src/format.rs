//! How values read: dates in the user's locale, durations, status labels.

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

/// The badge colour class of a run status or a Jenkins result.
pub fn badge_class(status: &str) -> &'static str {
    match status {
        "SUCCESS" => "badge ok",
        "FAILURE" => "badge bad",
        "UNSTABLE" => "badge warn",
        "ABORTED" | "NOT_BUILT" => "badge muted",
        "QUEUED" | "RUNNING" => "badge busy",
        _ => "badge",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(42_000), "42 s");
        assert_eq!(duration(185_000), "3 m 05 s");
        assert_eq!(duration(3_720_000), "1 h 02 m");
        assert_eq!(duration(-5), "0 s");
    }

    #[test]
    fn badges_follow_results() {
        assert_eq!(badge_class("SUCCESS"), "badge ok");
        assert_eq!(badge_class("FAILURE"), "badge bad");
        assert_eq!(badge_class("RUNNING"), "badge busy");
    }
}
