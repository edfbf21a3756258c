//! Service levels: the SRs at risk (dashboard) and the monthly report (its page and CSV).

use serde::Deserialize;

use super::documents;
use crate::sla::{SlaClock, SlaState};
use crate::sr::{SrPriority, SrStatus};

documents! {
    SRS_AT_RISK = "query SrsAtRisk { srsAtRisk(first: 8) { id title status priority
        sla { state responseDueAt resolutionDueAt } } }";
    SLA_REPORT = "query SlaReport($month: String!) { slaReport(month: $month) { month csv
        priorities { priority srs
            response { met missed pending attainmentPercent medianMinutes p90Minutes }
            resolution { met missed pending attainmentPercent medianMinutes p90Minutes } }
        breaches { srId title priority clock dueAt metAt } } }";
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
    pub resolution_due_at: Option<String>,
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
