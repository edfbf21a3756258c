//! Korean and English UI text. The language comes from the browser, can be switched, and is
//! remembered (localStorage).

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ko,
    En,
}

const STORAGE_KEY: &str = "guardia.lang";

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    /// The remembered choice, else the browser's language.
    pub fn initial() -> Lang {
        let remembered = window()
            .local_storage()
            .ok()
            .flatten()
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
        let preferred = remembered.or_else(|| window().navigator().language());
        match preferred {
            Some(lang) if lang.starts_with("ko") => Lang::Ko,
            Some(_) => Lang::En,
            None => Lang::Ko,
        }
    }

    pub fn remember(self) {
        if let Some(storage) = window().local_storage().ok().flatten() {
            let _ = storage.set_item(STORAGE_KEY, self.code());
        }
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", self.code());
        }
    }
}

#[derive(Clone, Copy)]
pub struct LangContext(pub RwSignal<Lang>);

pub fn use_lang() -> LangContext {
    expect_context::<LangContext>()
}

impl LangContext {
    /// The text for `key` in the current language. Not reactive: switching the language
    /// rebuilds the page (see `App`), which keeps every text a plain string (smaller WASM).
    pub fn t(&self, key: &'static str) -> &'static str {
        tr(self.0.get_untracked(), key)
    }
}

/// Every UI text: (key, 한국어, English).
const TEXTS: &[(&str, &str, &str)] = &[
    ("nav.dashboard", "대시보드", "Dashboard"),
    ("nav.srs", "서비스 요청", "Service requests"),
    ("nav.servers", "서버", "Servers"),
    ("nav.deploys", "배포 이력", "Deploy history"),
    ("nav.batch", "배치 작업", "Batch jobs"),
    ("nav.agents", "에이전트", "Agents"),
    ("nav.users", "사용자", "Users"),
    ("nav.sla", "SLA 보고서", "SLA report"),
    ("nav.logout", "로그아웃", "Log out"),
    ("nav.password", "비밀번호 변경", "Change password"),
    ("lang.switch", "English", "한국어"),
    ("login.title", "로그인", "Sign in"),
    ("login.email", "이메일", "Email"),
    ("login.password", "비밀번호", "Password"),
    ("login.submit", "로그인", "Sign in"),
    ("login.busy", "로그인 중…", "Signing in…"),
    (
        "login.wrong",
        "이메일 또는 비밀번호가 올바르지 않습니다.",
        "Wrong email or password.",
    ),
    (
        "login.limited",
        "로그인 시도가 너무 많습니다. 잠시 후 다시 시도하세요.",
        "Too many attempts. Try again in a few minutes.",
    ),
    ("common.loading", "불러오는 중…", "Loading…"),
    ("common.retry", "다시 시도", "Retry"),
    ("common.save", "저장", "Save"),
    ("common.cancel", "취소", "Cancel"),
    ("common.create", "만들기", "Create"),
    ("common.saving", "저장 중…", "Saving…"),
    ("common.more", "더 보기", "Load more"),
    ("common.all", "전체", "All"),
    (
        "error.forbidden",
        "권한이 없습니다.",
        "Your role does not allow this.",
    ),
    ("error.not_found", "찾을 수 없습니다.", "Not found."),
    (
        "error.network",
        "서버에 연결할 수 없습니다.",
        "Cannot reach the server.",
    ),
    (
        "error.upstream",
        "Jenkins에 연결할 수 없습니다.",
        "Jenkins is unavailable.",
    ),
    ("dash.by_status", "상태별 SR", "SRs by status"),
    ("dash.my_srs", "내 미결 SR", "My open SRs"),
    ("dash.agents", "서버와 에이전트", "Servers and agents"),
    ("dash.deployments", "최근 배포", "Latest deployments"),
    ("sla.at_risk", "SLA 위험 SR", "SRs at risk"),
    (
        "sla.none_at_risk",
        "목표 시간에 가까운 SR이 없습니다.",
        "No SR is close to its target.",
    ),
    ("sla.due", "기한", "due"),
    ("sla.report", "월간 SLA 보고서", "Monthly SLA report"),
    ("sla.month", "월", "Month"),
    ("sla.response", "응답", "Response"),
    ("sla.resolution", "해결", "Resolution"),
    (
        "sla.resolution_chart",
        "우선순위별 해결 목표 달성률 (%)",
        "Resolution targets met by priority (%)",
    ),
    ("sla.counts", "달성 / 미달 / 진행", "Met / missed / pending"),
    (
        "sla.minutes",
        "중앙값 · p90 (업무 분)",
        "Median · p90 (business min)",
    ),
    ("sla.breaches", "목표 미달", "Missed targets"),
    (
        "sla.no_breaches",
        "이 달에는 목표 미달이 없습니다.",
        "No missed targets this month.",
    ),
    ("sla.csv", "CSV 내려받기", "Download CSV"),
    (
        "sla.settings",
        "SLA 목표와 업무 달력",
        "Targets and business calendar",
    ),
    (
        "sla.targets_note",
        "우선순위별 목표 (업무 시간 분). 새 목표는 이후 접수되는 SR부터 적용됩니다.",
        "Targets per priority, in business minutes. New targets apply to SRs filed from now on.",
    ),
    (
        "sla.calendar_note",
        "업무일과 업무 시간, 공휴일 (한 줄에 하나, YYYY-MM-DD)",
        "Working days and hours, and holidays (one per line, YYYY-MM-DD)",
    ),
    ("sla.hours", "업무 시간", "Working hours"),
    ("sla.holidays", "공휴일", "Holidays"),
    ("sr.title", "제목", "Title"),
    ("sr.description", "설명", "Description"),
    ("sr.status", "상태", "Status"),
    ("sr.priority", "우선순위", "Priority"),
    ("sr.requester", "요청자", "Requester"),
    ("sr.assignee", "담당자", "Assignee"),
    ("sr.created", "등록일", "Created"),
    ("sr.new", "새 서비스 요청", "New service request"),
    ("sr.comments", "댓글", "Comments"),
    ("sr.comment", "댓글 달기", "Add comment"),
    ("sr.assign_me", "내가 담당", "Assign to me"),
    ("sr.unassign", "담당 해제", "Unassign"),
    ("sr.change_status", "상태 변경", "Change status"),
    (
        "sr.title_required",
        "제목을 입력하세요 (200자 이내).",
        "Enter a title (at most 200 characters).",
    ),
    ("server.name", "이름", "Name"),
    ("server.host", "호스트", "Host"),
    ("server.os", "OS", "OS"),
    ("server.environment", "환경", "Environment"),
    ("server.new", "서버 등록", "Add server"),
    ("server.edit", "수정", "Edit"),
    ("server.credential", "자격증명", "Credential"),
    ("server.reveal", "자격증명 보기", "Reveal credential"),
    ("server.hide", "숨기기", "Hide"),
    (
        "server.audited",
        "조회 기록이 감사 로그에 남습니다.",
        "This read is written to the audit log.",
    ),
    ("deploy.project", "배포 프로젝트", "Deploy project"),
    ("deploy.live_now", "현재 운영 중인 빌드", "Live now"),
    ("deploy.previous_good", "직전 정상 빌드", "Previous good build"),
    (
        "deploy.nothing_live",
        "아직 성공한 배포가 없습니다.",
        "Nothing has been deployed successfully yet.",
    ),
    ("deploy.live", "운영 중", "Live"),
    ("deploy.previous", "직전 정상", "Previous"),
    (
        "deploy.rollback_previous",
        "직전 빌드로 롤백",
        "Roll back to previous",
    ),
    (
        "deploy.close_running",
        "닫기 (계속 진행)",
        "Close (keeps running)",
    ),
    (
        "deploy.ledger_empty",
        "이 프로젝트는 아직 GUARDiA에서 배포한 적이 없습니다.",
        "GUARDiA has not deployed this project yet.",
    ),
    ("common.close", "닫기", "Close"),
    ("not_found.title", "페이지를 찾을 수 없습니다", "Page not found"),
    (
        "not_found.text",
        "주소가 잘못되었거나 더 이상 없는 페이지입니다.",
        "The address is wrong, or the page no longer exists.",
    ),
    ("not_found.home", "대시보드로 돌아가기", "Back to the dashboard"),
    ("sr.no_comments", "아직 댓글이 없습니다.", "No comments yet."),
    (
        "sr.none",
        "조건에 맞는 서비스 요청이 없습니다.",
        "No service requests match.",
    ),
    ("server.none", "등록된 서버가 없습니다.", "No servers yet."),
    ("batch.none", "등록된 배치 작업이 없습니다.", "No batch jobs yet."),
    ("batch.no_runs", "아직 실행 기록이 없습니다.", "Not run yet."),
    (
        "dash.my_srs_empty",
        "나에게 배정된 진행 중인 요청이 없습니다.",
        "No open requests are assigned to you.",
    ),
    (
        "dash.agents_empty",
        "설치된 에이전트가 없습니다.",
        "No agents are installed.",
    ),
    (
        "dash.deployments_empty",
        "아직 배포 기록이 없습니다.",
        "No deployments yet.",
    ),
    (
        "agent.none",
        "설치된 에이전트가 없습니다.",
        "No agents are installed.",
    ),
    ("deploy.builds", "Jenkins 빌드", "Jenkins builds"),
    ("deploy.ledger", "배포 원장", "Deployment ledger"),
    ("deploy.number", "빌드", "Build"),
    ("deploy.result", "결과", "Result"),
    ("deploy.started", "시작", "Started"),
    ("deploy.duration", "소요 시간", "Duration"),
    ("deploy.by", "실행자", "Triggered by"),
    ("deploy.artifacts", "산출물", "Artifacts"),
    ("deploy.rollback", "롤백", "Roll back"),
    ("deploy.rollback_to", "이 빌드로 롤백", "Roll back to this build"),
    ("deploy.reason", "사유 (필수)", "Reason (required)"),
    ("deploy.confirm", "롤백 실행", "Start rollback"),
    (
        "deploy.reason_required",
        "롤백 사유를 입력하세요.",
        "Enter the reason for the rollback.",
    ),
    ("deploy.progress", "진행 상황", "Progress"),
    ("deploy.console", "콘솔 출력", "Console output"),
    ("deploy.deploy", "배포 실행", "Deploy"),
    (
        "deploy.parameters",
        "파라미터 (한 줄에 이름=값)",
        "Parameters (one NAME=value per line)",
    ),
    ("deploy.kind", "종류", "Kind"),
    ("deploy.target", "대상 빌드", "Target build"),
    (
        "deploy.no_projects",
        "배포 프로젝트가 없습니다.",
        "No deploy projects yet.",
    ),
    ("batch.name", "이름", "Name"),
    ("batch.job", "Jenkins 작업", "Jenkins job"),
    ("batch.schedule", "일정", "Schedule"),
    ("batch.last_run", "최근 실행", "Last run"),
    ("batch.run_now", "즉시 실행", "Run now"),
    ("batch.next_run", "다음 실행", "Next run"),
    (
        "dash.failed_scheduled",
        "실패한 예약 실행",
        "Failed scheduled runs",
    ),
    ("batch.recent_runs", "최근 실행 기록", "Recent runs"),
    ("batch.by_schedule", "일정", "schedule"),
    ("batch.catch_up", "따라잡기", "catch-up"),
    ("batch.timezone", "일정의 시간대", "Schedules are read in"),
    ("batch.enable", "켜기", "Enable"),
    ("batch.disable", "끄기", "Disable"),
    ("batch.disabled", "꺼짐", "off"),
    ("agent.name", "이름", "Name"),
    ("agent.server", "서버", "Server"),
    ("agent.status", "상태", "Status"),
    ("agent.version", "버전", "Version"),
    ("agent.last_seen", "마지막 신호", "Last heartbeat"),
    ("user.email", "이메일", "Email"),
    ("user.name", "이름", "Name"),
    ("user.role", "역할", "Role"),
    ("user.active", "활성", "Active"),
    ("user.new", "사용자 추가", "Add user"),
    ("user.deactivate", "비활성화", "Deactivate"),
    ("user.staff", "운영사 직원", "operator staff"),
    (
        "member.title",
        "직원을 기관에 배정",
        "Assign staff to an institution",
    ),
    ("member.tenant", "기관 코드", "Institution code"),
    ("member.grant", "배정", "Assign"),
    ("member.done", "처리했습니다.", "Done."),
    ("tenant.switch", "기관 전환", "Switch institution"),
    (
        "work.title",
        "모든 기관의 내 업무",
        "My work in every institution",
    ),
    ("work.deploying", "배포 중", "deploying"),
    (
        "work.omitted",
        "개 기관은 표시하지 않았습니다",
        "more institutions not shown",
    ),
    (
        "user.password",
        "초기 비밀번호 (10자 이상)",
        "Initial password (10+ characters)",
    ),
    ("password.current", "현재 비밀번호", "Current password"),
    ("password.new", "새 비밀번호", "New password"),
    ("password.confirm", "새 비밀번호 확인", "Confirm the new password"),
    (
        "password.rules",
        "10자 이상, 두 종류 이상의 문자(영문 소문자, 영문 대문자, 숫자, 공백과 기호, 한글 등)를 섞고, 이메일 주소는 쓸 수 없습니다.",
        "At least 10 characters of at least two kinds (lowercase, uppercase, digits, spaces and symbols, other scripts such as Hangul); not your email address.",
    ),
    ("password.submit", "변경", "Change"),
    (
        "password.changed",
        "비밀번호를 변경했습니다. 다른 브라우저와 기기의 로그인은 종료되었습니다.",
        "Password changed. Your other sessions have been signed out.",
    ),
    (
        "password.wrong_current",
        "현재 비밀번호가 올바르지 않습니다.",
        "The current password is wrong.",
    ),
    (
        "password.mismatch",
        "새 비밀번호와 확인이 일치하지 않습니다.",
        "The new password and its confirmation differ.",
    ),
    (
        "password.same",
        "새 비밀번호는 현재 비밀번호와 달라야 합니다.",
        "The new password must differ from the current one.",
    ),
    (
        "password.too_short",
        "비밀번호는 10자 이상이어야 합니다.",
        "A password needs at least 10 characters.",
    ),
    (
        "password.too_long",
        "비밀번호가 너무 깁니다 (256바이트 이내).",
        "A password has at most 256 bytes.",
    ),
    (
        "password.one_kind",
        "두 종류 이상의 문자를 섞어 주세요 (영문 소문자, 영문 대문자, 숫자, 공백과 기호, 한글 등).",
        "Mix at least two kinds of characters (lowercase, uppercase, digits, spaces and symbols, other scripts such as Hangul).",
    ),
    (
        "password.is_email",
        "이메일 주소는 비밀번호로 쓸 수 없습니다.",
        "Your email address cannot be your password.",
    ),
    (
        "demo.banner",
        "데모: Jenkins는 시뮬레이터입니다",
        "Demo: Jenkins is simulated",
    ),
];

/// The text for `key` in `lang`; an unknown key shows itself. No test checks that every key
/// the pages use is in `TEXTS`: the test below checks that each entry is unique and has both
/// languages, and `pages/password.rs` checks the password page's keys.
pub fn tr(lang: Lang, key: &'static str) -> &'static str {
    TEXTS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map_or(key, |(_, ko, en)| match lang {
            Lang::Ko => ko,
            Lang::En => en,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_unique_and_translated() {
        for (i, (key, ko, en)) in TEXTS.iter().enumerate() {
            assert!(!ko.is_empty() && !en.is_empty(), "{key}");
            assert!(TEXTS[..i].iter().all(|(k, _, _)| k != key), "{key} twice");
        }
        assert_eq!(tr(Lang::Ko, "nav.deploys"), "배포 이력");
        assert_eq!(tr(Lang::En, "nav.deploys"), "Deploy history");
    }

    /// Every `"section.name"` literal in the app's sources, for a section `TEXTS` has, is a
    /// key of `TEXTS` (a typo would show the key itself).
    #[test]
    fn every_key_the_pages_use_exists() {
        let sections: Vec<&str> = TEXTS
            .iter()
            .filter_map(|(k, _, _)| k.split_once('.'))
            .map(|(s, _)| s)
            .collect();
        let mut files = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        let mut missing = Vec::new();
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for literal in text.split('"').skip(1).step_by(2) {
                let Some((section, name)) = literal.split_once('.') else {
                    continue;
                };
                let key_like = !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                if key_like && sections.contains(&section) && tr(Lang::En, leak(literal)) == literal {
                    missing.push(format!("{}: {literal}", path.display()));
                }
            }
        }
        assert!(missing.is_empty(), "keys without text: {missing:?}");
    }

    fn leak(text: &str) -> &'static str {
        Box::leak(text.to_owned().into_boxed_str())
    }
}
