//! Service levels: the SRs at risk (dashboard) and the monthly report (its page and CSV).

use serde::Deserialize;

use super::documents;
use crate::sla::{SlaClock, SlaState, Weekday};
use crate::sr::{SrPriority, SrStatus};

documents! {
    SRS_AT_RISK = "query SrsAtRisk { srsAtRisk(first: 8) { id title status priority
        sla { state responseDueAt responseMetAt resolutionDueAt } } }";
    SLA_REPORT = "query SlaReport($month: String!) { slaReport(month: $month) { month csv
        priorities { priority srs
            response { met missed pending attainmentPercent medianMinutes p90Minutes }
            resolution { met missed pending attainmentPercent medianMinutes p90Minutes } }
        breaches { srId title priority clock dueAt metAt } } }";
    SLA_SETTINGS = "query SlaSettings { slaPolicies { priority responseMinutes resolutionMinutes }
        slaCalendar { weekdays dayStart dayEnd holidays timezone } }";
    SET_SLA_POLICY = "mutation SetSlaPolicy($priority: SrPriority!, $response: Int!, $resolution: Int!) {
        setSlaPolicy(priority: $priority, responseMinutes: $response, resolutionMinutes: $resolution) { priority } }";
    SET_SLA_CALENDAR = "mutation SetSlaCalendar($input: SlaCalendarInput!) { setSlaCalendar(input: $input) { dayStart } }";
}

/// The tenant's targets and calendar, as its ADMIN edits them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaSettingsData {
    pub sla_policies: Vec<SlaPolicy>,
    pub sla_calendar: SlaCalendar,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaPolicy {
    pub priority: SrPriority,
    pub response_minutes: i32,
    pub resolution_minutes: i32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaCalendar {
    pub weekdays: Vec<Weekday>,
    pub day_start: String,
    pub day_end: String,
    pub holidays: Vec<String>,
    pub timezone: String,
}

/// An SR's state against its targets, as lists show it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaBadge {
    pub state: SlaState,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SrsAtRiskData {
    pub srs_at_risk: Vec<AtRiskSr>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AtRiskSr {
    pub id: String,
    pub title: String,
    pub status: SrStatus,
    pub priority: SrPriority,
    pub sla: Option<AtRiskClocks>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AtRiskClocks {
    pub state: SlaState,
    pub response_due_at: Option<String>,
    pub response_met_at: Option<String>,
    pub resolution_due_at: Option<String>,
}

impl AtRiskClocks {
    /// The due time that puts the SR at risk: the response's until it is met, then the
    /// resolution's.
    pub fn due_at(&self) -> Option<&str> {
        match self.response_met_at {
            None => self.response_due_at.as_deref(),
            Some(_) => self.resolution_due_at.as_deref(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaReportData {
    pub sla_report: SlaReport,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaReport {
    pub month: String,
    pub csv: String,
    pub priorities: Vec<PriorityFigures>,
    pub breaches: Vec<Breach>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriorityFigures {
    pub priority: SrPriority,
    pub srs: i32,
    pub response: Attainment,
    pub resolution: Attainment,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attainment {
    pub met: i32,
    pub missed: i32,
    pub pending: i32,
    pub attainment_percent: Option<f64>,
    pub median_minutes: Option<i64>,
    pub p90_minutes: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Breach {
    pub sr_id: String,
    pub title: String,
    pub priority: SrPriority,
    pub clock: SlaClock,
    pub due_at: Option<String>,
    pub met_at: Option<String>,
}
