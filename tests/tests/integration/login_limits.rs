//! The login limiter under load: concurrent guesses are counted before any hash runs, argon2
//! runs behind a bound that keeps memory flat, strangers' failures do not lock the owner out,
//! and `X-Forwarded-For` counts only from a trusted proxy.

use futures_util::future::join_all;
use guardia_shared::Role;
use guardia_tests::api::{PASSWORD, error_codes};
use guardia_tests::{Backend, Guardia, World, both_backends};
use serde_json::{Value, json};

const LOGIN: &str = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";
/// The burst's memory ceiling, as the issue demands.
const MAX_PEAK_RSS_MB: f64 = 200.0;
const BURST: usize = 40;

/// One login, claiming (through `X-Forwarded-For`) to come from `forwarded_for`.
async fn login(server: &Guardia, forwarded_for: Option<&str>, email: &str, password: &str) -> Value {
    let mut request = server
        .http
        .post(server.url("/graphql"))
        .json(&json!({ "query": LOGIN, "variables": { "e": email, "p": password } }));
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    request
        .send()
        .await
        .expect("POST /graphql answered")
        .json()
        .await
        .expect("JSON")
}

/// The answers' error codes, counted: (verified and wrong, rate limited).
fn tally(answers: &[Value]) -> (usize, usize) {
    let mut verified = 0;
    let mut limited = 0;
    for answer in answers {
        match error_codes(answer).as_slice() {
            [code] if code == "UNAUTHENTICATED" => verified += 1,
            [code] if code == "RATE_LIMITED" => limited += 1,
            other => {
                panic!("a wrong password answers UNAUTHENTICATED or RATE_LIMITED, not {other:?}: {answer}")
            }
        }
    }
    (verified, limited)
}

async fn concurrent_guesses_for_one_email_are_counted_before_hashing(backend: Backend) {
    // A child process: its peak memory is measured.
    let world = World::start_process(backend, &[]).await;
    let email = world.acme.user(Role::Engineer).email.clone();
    let guesses = (0..BURST).map(|i| {
        let (server, email) = (&world.server, &email);
        async move { login(server, None, email, &format!("wrong guess {i}")).await }
    });
    let answers = join_all(guesses).await;
    let (verified, limited) = tally(&answers);
    let peak = world.server.peak_rss_mb();
    println!(
        "{backend:?}: {BURST} concurrent wrong passwords for one email: {verified} verified, \
         {limited} RATE_LIMITED, server peak RSS {peak:.1} MB"
    );
    assert!(verified <= 5, "at most the limit's 5 were verified: {verified}");
    assert_eq!(verified + limited, BURST);
    assert!(peak < MAX_PEAK_RSS_MB, "peak RSS {peak:.1} MB");
}

async fn a_burst_of_logins_for_many_emails_stays_within_memory(backend: Backend) {
    // A child process: its peak memory is measured.
    let world = World::start_process(backend, &["--trusted-proxies", "127.0.0.1"]).await;
    // The memory attack needs no account: many emails from many addresses, all at once.
    let guesses = (0..BURST).map(|i| {
        let server = &world.server;
        async move {
            let address = format!("198.51.100.{}", i + 1);
            login(
                server,
                Some(&address),
                &format!("nobody{i}@nowhere.example"),
                "guess",
            )
            .await
        }
    });
    let answers = join_all(guesses).await;
    let (verified, limited) = tally(&answers);
    let peak = world.server.peak_rss_mb();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!(
        "{backend:?}: {BURST} concurrent logins for {BURST} emails from {BURST} addresses: \
         {verified} verified, {limited} RATE_LIMITED (argon2 bound: {cores} running + {} queued), \
         server peak RSS {peak:.1} MB",
        2 * cores
    );
    assert_eq!(verified + limited, BURST);
    assert!(peak < MAX_PEAK_RSS_MB, "peak RSS {peak:.1} MB");
}

async fn strangers_failures_do_not_lock_the_owner_out(backend: Backend) {
    let world = World::start_with_flags(backend, &["--trusted-proxies", "127.0.0.1"]).await;
    let owner = world.acme.user(Role::Admin).email.clone();
    let stranger = "203.0.113.66";
    let guesses = (0..20).map(|i| {
        let (server, owner) = (&world.server, &owner);
        async move { login(server, Some(stranger), owner, &format!("guess {i}")).await }
    });
    let (verified, limited) = tally(&join_all(guesses).await);
    assert!(
        verified <= 5 && limited >= 15,
        "{verified} verified, {limited} limited"
    );
    let again = login(&world.server, Some(stranger), &owner, PASSWORD).await;
    assert_eq!(
        error_codes(&again),
        ["RATE_LIMITED"],
        "the stranger waits, even with the right password: {again}"
    );
    // A forged left-most entry changes nothing: the proxy appended the stranger's address.
    let forged = login(
        &world.server,
        Some(&format!("192.0.2.1, {stranger}")),
        &owner,
        PASSWORD,
    )
    .await;
    assert_eq!(error_codes(&forged), ["RATE_LIMITED"], "{forged}");

    let from_home = login(&world.server, Some("198.51.100.7"), &owner, PASSWORD).await;
    assert!(
        from_home["data"]["login"]["token"].is_string(),
        "the owner logs in from their own address: {from_home}"
    );
}

async fn forwarded_for_from_an_untrusted_peer_is_ignored(backend: Backend) {
    // No GUARDIA_TRUSTED_PROXIES: the TCP peer is the client, whatever it forwards.
    let world = World::start(backend).await;
    let email = world.acme.user(Role::Pm).email.clone();
    for i in 0..5 {
        let address = format!("198.51.100.{}", i + 1);
        let answer = login(&world.server, Some(&address), &email, "wrong guess").await;
        assert_eq!(error_codes(&answer), ["UNAUTHENTICATED"], "{answer}");
    }
    let fresh_address = login(&world.server, Some("192.0.2.200"), &email, PASSWORD).await;
    assert_eq!(
        error_codes(&fresh_address),
        ["RATE_LIMITED"],
        "a claimed address is not another client: {fresh_address}"
    );
}

both_backends!(
    concurrent_guesses_for_one_email_are_counted_before_hashing,
    a_burst_of_logins_for_many_emails_stays_within_memory,
    strangers_failures_do_not_lock_the_owner_out,
    forwarded_for_from_an_untrusted_peer_is_ignored
);
