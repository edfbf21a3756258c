//! The application shell. The full app (login, dashboard, SRs, servers, deploys) grows here.

use leptos::prelude::*;

/// Greets in the browser's language (Korean or English).
#[component]
pub fn App() -> impl IntoView {
    let korean = window()
        .navigator()
        .language()
        .is_some_and(|lang| lang.starts_with("ko"));
    let (title, tagline) = if korean {
        (
            "GUARDiA ITSM",
            "기관별 IT 서비스 관리: 서비스 요청, 서버, 배포, 배치",
        )
    } else {
        (
            "GUARDiA ITSM",
            "IT service management for every institution: requests, servers, deploys, batches",
        )
    };
    view! {
        <main data-testid="app-shell">
            <h1>{title}</h1>
            <p class="tagline">{tagline}</p>
            <p class="status" data-testid="app-ready">"GUARDiA web app loaded · 웹 앱 준비됨"</p>
        </main>
    }
}
