//! The demo's sample data: the operator, two institutions with their people, servers and SRs,
//! the Jenkins builds the simulator seeds, and the deploy ledger.

use guardia_shared::Role;
use guardia_shared::Role::{Admin, Customer, DeployEngineer, Engineer, Pm};
use guardia_shared::deploy::DeploymentKind;
use guardia_shared::sr::{SrPriority, SrStatus};

pub(super) const OPERATOR: Tenant = Tenant {
    code: "ops",
    name: "GUARDiA 운영 (demo)",
};

pub(super) struct Tenant {
    pub(super) code: &'static str,
    pub(super) name: &'static str,
}

/// The five roles with the part of their demo email before the '@'.
pub(super) const ROLES: [(Role, &str); 5] = [
    (Role::Admin, "admin"),
    (Role::Pm, "pm"),
    (Role::Engineer, "engineer"),
    (Role::DeployEngineer, "deploy-engineer"),
    (Role::Customer, "customer"),
];

/// The operator's engineer, who works for both institutions with one login
/// (`engineer@ops.demo`): ENGINEER in each, granted by the operator.
pub(super) const STAFF_ENGINEER: &str = "박지훈 (Park Jihoon)";

pub(super) fn email(role_slug: &str, tenant: &str) -> String {
    format!("{role_slug}@{tenant}.demo")
}

/// One customer institution's sample data.
pub(super) struct Institution {
    pub(super) tenant: Tenant,
    /// A person per role, in [`ROLES`] order; the ENGINEER is the operator's
    /// [`STAFF_ENGINEER`] in every institution.
    pub(super) people: [&'static str; 5],
    /// The first server gets a stored credential and the agent that keeps reporting.
    pub(super) servers: [ServerSpec; 3],
    pub(super) srs: &'static [SrSpec],
    /// Service levels count every hour (a hospital), not office hours.
    pub(super) round_the_clock: bool,
}

pub(super) struct ServerSpec {
    pub(super) name: &'static str,
    pub(super) host: &'static str,
    pub(super) os: &'static str,
    pub(super) environment: &'static str,
}

pub(super) struct SrSpec {
    pub(super) title: &'static str,
    pub(super) description: &'static str,
    pub(super) priority: SrPriority,
    pub(super) status: SrStatus,
    pub(super) requester: Role,
    pub(super) assignee: Option<Role>,
    /// How long ago it was filed.
    pub(super) hours_ago: i64,
    pub(super) comments: &'static [(Role, &'static str)],
}

pub(super) const INSTITUTIONS: [Institution; 2] = [
    Institution {
        tenant: Tenant {
            code: "seoul-hosp",
            name: "서울대학교병원 (demo)",
        },
        people: ["김민준", "이서연", STAFF_ENGINEER, "최유진", "정하은 (간호부)"],
        servers: [
            ServerSpec {
                name: "emr-was-01",
                host: "10.10.1.11",
                os: "Rocky Linux 9.4",
                environment: "prod",
            },
            ServerSpec {
                name: "pacs-db-01",
                host: "10.10.2.21",
                os: "Oracle Linux 8.9",
                environment: "prod",
            },
            ServerSpec {
                name: "portal-stg-01",
                host: "10.10.9.31",
                os: "Ubuntu 22.04 LTS",
                environment: "staging",
            },
        ],
        srs: &SEOUL_SRS,
        round_the_clock: true,
    },
    Institution {
        tenant: Tenant {
            code: "busan-city",
            name: "부산광역시청 (demo)",
        },
        people: [
            "강동원",
            "Lee Sora",
            STAFF_ENGINEER,
            "Han Jisoo",
            "오민지 (교통국)",
        ],
        servers: [
            ServerSpec {
                name: "minwon-web-01",
                host: "10.20.1.11",
                os: "Rocky Linux 9.4",
                environment: "prod",
            },
            ServerSpec {
                name: "gis-map-01",
                host: "10.20.3.15",
                os: "RHEL 8.10",
                environment: "prod",
            },
            ServerSpec {
                name: "portal-dev-01",
                host: "10.20.9.40",
                os: "Ubuntu 24.04 LTS",
                environment: "dev",
            },
        ],
        srs: &BUSAN_SRS,
        round_the_clock: false,
    },
];

pub(super) const SEOUL_SRS: [SrSpec; 10] = [
    SrSpec {
        title: "신규 간호부 직원 계정 3건 요청",
        description: "3월 입사자 3명의 EMR 계정을 만들어 주세요. Names and employee numbers are in the attached form.",
        priority: SrPriority::Low,
        status: SrStatus::Closed,
        requester: Customer,
        assignee: Some(Admin),
        hours_ago: 24 * 12,
        comments: &[
            (
                Admin,
                "계정 3개 생성 완료했습니다. Accounts created; initial passwords sent by SMS.",
            ),
            (Customer, "확인했습니다. 감사합니다!"),
        ],
    },
    SrSpec {
        title: "외래 예약 화면 글자 깨짐 (IE 모드)",
        description: "Internet Explorer 모드에서 외래 예약 화면의 한글이 깨집니다.",
        priority: SrPriority::Low,
        status: SrStatus::Cancelled,
        requester: Customer,
        assignee: None,
        hours_ago: 24 * 9,
        comments: &[(
            Customer,
            "Edge로 전환한 뒤에는 문제가 없어 요청을 취소합니다. Cancelled: fine after switching to Edge.",
        )],
    },
    SrSpec {
        title: "야간 배치 리포트 누락 (nightly-report)",
        description: "The nightly report did not arrive in the ward managers' mailbox this morning.",
        priority: SrPriority::Medium,
        status: SrStatus::Resolved,
        requester: Pm,
        assignee: Some(DeployEngineer),
        hours_ago: 24 * 6,
        comments: &[
            (
                DeployEngineer,
                "nightly-report 재실행 완료, 리포트 재발송했습니다.",
            ),
            (
                Pm,
                "Confirmed with the ward managers, thanks. 종료 처리 부탁드립니다.",
            ),
        ],
    },
    SrSpec {
        title: "SSL certificate for portal expires in 30 days",
        description: "portal 인증서가 다음 달 만료됩니다. The renewal needs the hospital's purchase order.",
        priority: SrPriority::High,
        status: SrStatus::OnHold,
        requester: Engineer,
        assignee: Some(Engineer),
        hours_ago: 24 * 5,
        comments: &[(
            Engineer,
            "Waiting for the purchase order for the new certificate. 구매 승인 대기 중입니다.",
        )],
    },
    SrSpec {
        title: "EMR 로그인 시 간헐적 타임아웃",
        description: "오전 외래 시간에 EMR 로그인이 30초 넘게 걸리거나 타임아웃이 납니다.",
        priority: SrPriority::High,
        status: SrStatus::InProgress,
        requester: Customer,
        assignee: Some(Engineer),
        hours_ago: 24 * 3,
        comments: &[
            (Customer, "오전 9시~10시 사이에 특히 자주 발생합니다."),
            (
                Engineer,
                "Checking the connection pool on emr-was-01; WAS 커넥션 풀 로그 확인 중입니다.",
            ),
            (Customer, "Thank you. 오늘도 두 번 발생했습니다."),
        ],
    },
    SrSpec {
        title: "Deploy portal 2.4.1 to production",
        description: "릴리스 노트 확인 후 운영 반영 부탁드립니다. Release notes are attached to build #25.",
        priority: SrPriority::High,
        status: SrStatus::InProgress,
        requester: Pm,
        assignee: Some(DeployEngineer),
        hours_ago: 30,
        comments: &[(
            DeployEngineer,
            "빌드 #25 배포 완료, 모니터링 중입니다. Deployed build #25; monitoring.",
        )],
    },
    SrSpec {
        title: "PACS image viewer slow on ward PCs",
        description: "Radiology says it takes about 20 seconds to open a CT series on the ward PCs.",
        priority: SrPriority::Medium,
        status: SrStatus::Open,
        requester: Customer,
        assignee: None,
        hours_ago: 20,
        comments: &[
            (Customer, "7층 병동 PC 4대에서 모두 같은 증상입니다."),
            (
                Engineer,
                "Reproduced on one ward PC: the viewer loads every slice uncompressed. Checking the PACS cache settings.",
            ),
        ],
    },
    SrSpec {
        title: "백업 서버 디스크 사용률 90% 초과",
        description: "pacs-db-01 /backup 파티션 사용률 92%. Old dumps need to be cleaned up or moved.",
        priority: SrPriority::Urgent,
        status: SrStatus::Open,
        requester: Engineer,
        assignee: None,
        hours_ago: 6,
        comments: &[],
    },
    SrSpec {
        title: "MRI 예약 화면 로그인 오류",
        description: "Radiology reception cannot sign in to the MRI booking screen since the last update.",
        priority: SrPriority::High,
        status: SrStatus::InProgress,
        requester: Customer,
        assignee: Some(Engineer),
        hours_ago: 1,
        comments: &[(
            Engineer,
            "Looking at it now: the booking screen still points at the old SSO endpoint.",
        )],
    },
    SrSpec {
        title: "3층 간호사실 프린터 오프라인",
        description: "The printer at the 3rd-floor nurse station shows offline since this morning.",
        priority: SrPriority::Low,
        status: SrStatus::Open,
        requester: Customer,
        assignee: None,
        hours_ago: 2,
        comments: &[],
    },
];

pub(super) const BUSAN_SRS: [SrSpec; 9] = [
    SrSpec {
        title: "New VPN accounts for 교통국 (4 people)",
        description: "교통국 신규 인원 4명의 VPN 계정 발급을 요청합니다.",
        priority: SrPriority::Low,
        status: SrStatus::Closed,
        requester: Customer,
        assignee: Some(Admin),
        hours_ago: 24 * 14,
        comments: &[
            (
                Admin,
                "VPN 계정 4개 발급 완료. Accounts issued; OTP enrolment mails sent.",
            ),
            (Customer, "모두 접속 확인했습니다. Thanks!"),
        ],
    },
    SrSpec {
        title: "홈페이지 팝업 게시 요청",
        description: "축제 안내 팝업을 메인 페이지에 게시해 주세요.",
        priority: SrPriority::Low,
        status: SrStatus::Cancelled,
        requester: Customer,
        assignee: None,
        hours_ago: 24 * 10,
        comments: &[(
            Customer,
            "홍보과에서 직접 게시하기로 해서 취소합니다. Cancelled: the PR team posts it themselves.",
        )],
    },
    SrSpec {
        title: "주정차 단속 배치 결과 미전송",
        description: "The parking enforcement batch ran but its results never reached the 교통국 system.",
        priority: SrPriority::High,
        status: SrStatus::Resolved,
        requester: Pm,
        assignee: Some(DeployEngineer),
        hours_ago: 24 * 7,
        comments: &[
            (
                DeployEngineer,
                "전송 대상 경로 수정 후 재실행했습니다. Fixed the target path and re-ran it.",
            ),
            (Pm, "교통국 수신 확인 완료."),
        ],
    },
    SrSpec {
        title: "WAS 보안 패치 적용 일정 조율",
        description: "Security patch for the WAS needs a maintenance window agreed with the city.",
        priority: SrPriority::Medium,
        status: SrStatus::OnHold,
        requester: Engineer,
        assignee: Some(Engineer),
        hours_ago: 24 * 4,
        comments: &[(
            Engineer,
            "시청 점검 일정 회신 대기 중. Waiting for the city's maintenance window.",
        )],
    },
    SrSpec {
        title: "민원 포털 접속 지연",
        description: "오후 시간대 민원 포털 첫 화면이 10초 이상 걸립니다.",
        priority: SrPriority::High,
        status: SrStatus::InProgress,
        requester: Customer,
        assignee: Some(Engineer),
        hours_ago: 24 * 2,
        comments: &[
            (Customer, "시민 문의 전화가 계속 오고 있습니다."),
            (
                Engineer,
                "Found a slow query on minwon-web-01; 인덱스 추가 검토 중입니다.",
            ),
        ],
    },
    SrSpec {
        title: "Deploy portal 3.1.2 hotfix",
        description: "전자민원 첨부파일 오류 핫픽스 배포 요청. Please deploy the hotfix today.",
        priority: SrPriority::Urgent,
        status: SrStatus::InProgress,
        requester: Pm,
        assignee: Some(DeployEngineer),
        hours_ago: 28,
        comments: &[(DeployEngineer, "Build #25 deployed; 모니터링 중입니다.")],
    },
    SrSpec {
        title: "e-Approval attachment upload fails over 10 MB",
        description: "전자결재에 10MB 넘는 첨부파일을 올리면 오류가 납니다.",
        priority: SrPriority::Medium,
        status: SrStatus::Open,
        requester: Customer,
        assignee: None,
        hours_ago: 18,
        comments: &[(Customer, "Screenshot: 'request entity too large'.")],
    },
    SrSpec {
        title: "GIS 지도 서버 메모리 사용률 경고",
        description: "gis-map-01 memory usage above 85% for the last two hours.",
        priority: SrPriority::High,
        status: SrStatus::Open,
        requester: Engineer,
        assignee: None,
        hours_ago: 5,
        comments: &[],
    },
    SrSpec {
        title: "시의회 회의실 Wi-Fi 속도 저하",
        description: "Wi-Fi in the city council meeting room is very slow during sessions.",
        priority: SrPriority::Medium,
        status: SrStatus::Open,
        requester: Customer,
        assignee: None,
        hours_ago: 1,
        comments: &[],
    },
];

/// The portal job's seeded builds, and which of them failed.
pub(super) const PORTAL_BUILDS: u32 = 25;
pub(super) const PORTAL_FAILED: [u32; 3] = [9, 17, 23];
pub(super) const NIGHTLY_BUILDS: u32 = 10;
pub(super) const NIGHTLY_FAILED: [u32; 1] = [6];

/// A deploy or rollback in the ledger: the build it became, who and why.
pub(super) struct LedgerSpec {
    pub(super) build: u32,
    pub(super) kind: DeploymentKind,
    pub(super) by: Role,
    pub(super) target: Option<u32>,
    pub(super) reason: &'static str,
}

pub(super) const LEDGER: [LedgerSpec; 5] = [
    LedgerSpec {
        build: 21,
        kind: DeploymentKind::Deploy,
        by: DeployEngineer,
        target: None,
        reason: "정기 배포 / weekly release",
    },
    LedgerSpec {
        build: 22,
        kind: DeploymentKind::Deploy,
        by: Pm,
        target: None,
        reason: "로그인 타임아웃 핫픽스 / hotfix for login timeouts",
    },
    LedgerSpec {
        build: 23,
        kind: DeploymentKind::Deploy,
        by: DeployEngineer,
        target: None,
        reason: "정기 배포 / weekly release",
    },
    LedgerSpec {
        build: 24,
        kind: DeploymentKind::Rollback,
        by: DeployEngineer,
        target: Some(22),
        reason: "#23 배포 후 헬스체크 실패로 #22로 롤백 / health checks failed after #23, back to #22",
    },
    LedgerSpec {
        build: 25,
        kind: DeploymentKind::Deploy,
        by: Admin,
        target: None,
        reason: "#23 수정본 재배포 / #23 fixed and redeployed",
    },
];
