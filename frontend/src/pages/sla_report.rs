//! 월간 SLA 보고서: for one month, each priority's response and resolution attainment (a chart
//! and a table), the missed targets, and the same report as a CSV download; for the ADMIN, the
//! targets and the business calendar.

mod settings;

use guardia_shared::Permission;
use guardia_shared::api::sla::{self, Attainment, SlaReport, SlaReportData};
use guardia_shared::sla::SlaClock;
use leptos::prelude::*;
use leptos_router::components::A;
use serde_json::json;

use crate::components::bar_chart::BarChart;
use crate::components::error_box::{ErrorBox, loading};
use crate::format;
use crate::i18n::use_lang;
use crate::session::use_session;
use settings::SlaSettings;

/// This month in the browser's time zone, as `YYYY-MM`.
fn this_month() -> String {
    let now = js_sys::Date::new_0();
    format!("{:04}-{:02}", now.get_full_year(), now.get_month() + 1)
}

/// The month the address asks for (`?month=YYYY-MM`), if any.
fn asked_month() -> Option<String> {
    let search = window().location().search().ok()?;
    let month = search.strip_prefix("?month=")?;
    (month.len() == 7 && month.as_bytes()[4] == b'-').then(|| month.to_owned())
}

/// A percentage with one decimal, without float formatting (which would add to the WASM).
fn percent_text(percent: f64) -> String {
    let tenths = (percent * 10.0).round() as i64;
    format!("{}.{} %", tenths / 10, tenths % 10)
}

#[component]
pub fn SlaReportPage() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    // `/sla?month=YYYY-MM` opens that month (a link to a report); otherwise this month.
    let month = RwSignal::new(asked_month().unwrap_or_else(this_month));
    let report = session.query::<SlaReportData>(sla::SLA_REPORT, move || json!({ "month": month.get() }));
    let retry = Callback::new(move |()| report.refetch());
    view! {
        <h1>{lang.t("sla.report")}</h1>
        <label class="inline">{lang.t("sla.month")}" "
            <input type="month" data-testid="report-month" prop:value=month
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    if !value.is_empty() {
                        month.set(value);
                    }
                } />
        </label>
        {move || report.get().map_or_else(|| loading(lang), |result| match result {
            Err(error) => view! { <ErrorBox error retry /> }.into_any(),
            Ok(data) => view! { <Report report=data.sla_report /> }.into_any(),
        })}
        {session.can(Permission::SlaManage).then(|| view! { <SlaSettings /> })}
    }
}

#[component]
fn Report(report: SlaReport) -> impl IntoView {
    let lang = use_lang();
    let l = lang.0.get_untracked();
    let bars: Vec<(String, i64)> = report
        .priorities
        .iter()
        .map(|row| {
            let percent = row.resolution.attainment_percent.map_or(0, |p| p.round() as i64);
            (format::priority(row.priority, l).to_owned(), percent)
        })
        .collect();
    // With a byte-order mark, spreadsheet programs read the Korean text as UTF-8.
    let csv = format!(
        "data:text/csv;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(&format!("\u{feff}{}", report.csv)))
    );
    let file = format!("sla-{}.csv", report.month);
    // Cells as text, so the table is one kind of view (a smaller WASM).
    let rows: Vec<(&'static str, Vec<String>)> = report
        .priorities
        .iter()
        .map(|row| {
            let mut cells = vec![format::priority(row.priority, l).to_owned(), row.srs.to_string()];
            cells.extend(figures(&row.response));
            cells.extend(figures(&row.resolution));
            (row.priority.as_str(), cells)
        })
        .collect();
    let breaches: Vec<(String, String, String)> = report
        .breaches
        .into_iter()
        .map(|b| {
            let clock = match b.clock {
                SlaClock::Response => lang.t("sla.response"),
                SlaClock::Resolution => lang.t("sla.resolution"),
            };
            let due = b
                .due_at
                .map(|at| format!(" · {} {}", lang.t("sla.due"), format::date_time(&at, l)))
                .unwrap_or_default();
            let note = format!("{} · {clock}{due}", format::priority(b.priority, l));
            (format!("/srs/{}", b.sr_id), b.title, note)
        })
        .collect();
    view! {
        <div data-testid="sla-report" data-month=report.month>
            <section class="card">
                <h2>{lang.t("sla.resolution_chart")}</h2>
                <BarChart bars />
            </section>
            <p><a class="button" href=csv download=file data-testid="report-csv">{lang.t("sla.csv")}</a></p>
            <table data-testid="report-table">
                <thead>
                    <tr>
                        <th rowspan="2">{lang.t("sr.priority")}</th><th rowspan="2">"SR"</th>
                        <th colspan="3">{lang.t("sla.response")}</th><th colspan="3">{lang.t("sla.resolution")}</th>
                    </tr>
                    <tr>
                        <th>"%"</th><th>{lang.t("sla.counts")}</th><th>{lang.t("sla.minutes")}</th>
                        <th>"%"</th><th>{lang.t("sla.counts")}</th><th>{lang.t("sla.minutes")}</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|(priority, cells)| view! {
                        <tr data-testid="report-row" data-priority=priority>
                            {cells.into_iter().map(|cell| view! { <td>{cell}</td> }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <h2>{lang.t("sla.breaches")}</h2>
            {breaches.is_empty().then(|| view! { <p class="empty">{lang.t("sla.no_breaches")}</p> })}
            <ul class="plain">
                {breaches.into_iter().map(|(href, title, note)| view! {
                    <li data-testid="report-breach"><A href=href>{title}</A>" "<span class="muted">{note}</span></li>
                }).collect_view()}
            </ul>
        </div>
    }
}

/// A clock's cells: attainment, met / missed / pending, median · p90 minutes.
fn figures(a: &Attainment) -> [String; 3] {
    let minutes = |m: Option<i64>| m.map_or_else(|| "—".to_owned(), |m| m.to_string());
    [
        a.attainment_percent.map_or_else(|| "—".to_owned(), percent_text),
        format!("{} / {} / {}", a.met, a.missed, a.pending),
        format!("{} · {}", minutes(a.median_minutes), minutes(a.p90_minutes)),
    ]
}
