//! RotateSecret, CancelRotateSecret and the rotation job's service calls
//! (claim, continue, finish), with a manual clock: schedules advance
//! without waiting. The function's side (createSecret … finishSecret) is
//! played by the test through the ordinary operations, as AWS's template
//! does.

mod common;

use common::{HOUR, START, caller, token};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use strongroom_domain::{AWSCURRENT, AWSPENDING, AWSPREVIOUS, Error, SecretValue, Timestamp};
use strongroom_service::{
    CANNOT_INVOKE, Claim, CreateSecretInput, Finished, GetSecretValueInput, Invocation,
    InvokeError, ManualClock, PutSecretValueInput, RotateSecretInput, RotationFunctions, Service,
    ServiceError, StepsOutcome,
};

const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:rotator";
const DAY: i64 = 24 * HOUR;
const LEASE: i64 = 60_000;

/// Functions whose DryRun succeeds while `invocable`.
#[derive(Default)]
struct Fake {
    refuse: AtomicBool,
}

impl RotationFunctions for Fake {
    fn invoke<'a>(
        &'a self,
        _function_arn: &'a str,
        _invocation: Invocation,
    ) -> Pin<Box<dyn Future<Output = Result<(), InvokeError>> + Send + 'a>> {
        let refuse = self.refuse.load(Ordering::SeqCst);
        Box::pin(async move {
            if refuse {
                Err(InvokeError::Refused {
                    status: 404,
                    message: "Function not found".into(),
                })
            } else {
                Ok(())
            }
        })
    }
}

struct World {
    _dir: tempfile::TempDir,
    service: Service,
    clock: Arc<ManualClock>,
    fake: Arc<Fake>,
}

async fn world() -> World {
    let (dir, _store, service, clock) = common::setup_with_store();
    let fake = Arc::new(Fake::default());
    let service = service.with_rotation_functions(fake.clone());
    service
        .create_secret(
            &caller(),
            CreateSecretInput {
                name: "db".into(),
                client_request_token: Some(token(1)),
                value: Some(SecretValue::String("old".into())),
                ..Default::default()
            },
        )
        .await
        .expect("create");
    World {
        _dir: dir,
        service,
        clock,
        fake,
    }
}

fn rotate(t: u32, rules: Option<(Option<i64>, Option<&str>, Option<&str>)>) -> RotateSecretInput {
    RotateSecretInput {
        secret_id: "db".into(),
        client_request_token: Some(token(t)),
        rotation_lambda_arn: Some(LAMBDA.into()),
        rules: rules.map(|(d, e, w)| (d, e.map(Into::into), w.map(Into::into))),
        rotate_immediately: None,
    }
}

fn domain(e: ServiceError) -> Error {
    match e {
        ServiceError::Domain(d) => d,
        other => panic!("expected a domain error, got {other:?}"),
    }
}

/// The function's createSecret and finishSecret, as AWS's template does them.
async fn function_rotates(w: &World, t: &str) {
    w.service
        .put_secret_value(
            &caller(),
            PutSecretValueInput {
                secret_id: "db".into(),
                client_request_token: Some(t.into()),
                value: Some(SecretValue::String(format!("new-{t}"))),
                version_stages: Some(vec![AWSPENDING.into()]),
                rotation_token: None,
            },
        )
        .await
        .expect("createSecret's put");
    let current = w
        .service
        .describe_secret(&caller(), "db")
        .await
        .expect("describe")
        .holder_of(AWSCURRENT)
        .map(str::to_owned);
    w.service
        .update_secret_version_stage(&caller(), "db", AWSCURRENT, current, Some(t.into()))
        .await
        .expect("finishSecret's move");
}

async fn claim(w: &World) -> Claim {
    let arn = w
        .service
        .describe_secret(&caller(), "db")
        .await
        .expect("describe")
        .arn;
    w.service.claim_rotation(&arn, LEASE).await.expect("claim")
}

fn run(c: Claim) -> strongroom_service::ClaimedRotation {
    match c {
        Claim::Run(r) => r,
        other => panic!("expected a run, got {other:?}"),
    }
}

#[tokio::test]
async fn rotate_secret_error_paths_persist_nothing() {
    let w = world().await;
    let mut no_token = rotate(2, None);
    no_token.client_request_token = None;
    let e = domain(
        w.service
            .rotate_secret(&caller(), no_token)
            .await
            .expect_err("token"),
    );
    assert_eq!(e, Error::RotateMissingClientRequestToken);
    assert_eq!(e.kind(), strongroom_domain::ErrorKind::InvalidParameter);

    let mut no_lambda = rotate(2, None);
    no_lambda.rotation_lambda_arn = None;
    let e = domain(
        w.service
            .rotate_secret(&caller(), no_lambda)
            .await
            .expect_err("lambda"),
    );
    assert_eq!(e, Error::NoRotationLambda);

    let e = domain(
        w.service
            .rotate_secret(
                &caller(),
                rotate(2, Some((Some(3), Some("rate(4 hours)"), None))),
            )
            .await
            .expect_err("both"),
    );
    assert_eq!(e, Error::RotationFrequencyAndSchedule);

    w.fake.refuse.store(true, Ordering::SeqCst);
    match w
        .service
        .rotate_secret(&caller(), rotate(2, Some((Some(3), None, None))))
        .await
    {
        Err(ServiceError::AccessDenied(m)) => assert_eq!(m, CANNOT_INVOKE),
        other => panic!("expected AccessDenied, got {other:?}"),
    }
    let d = w
        .service
        .describe_secret(&caller(), "db")
        .await
        .expect("describe");
    assert_eq!(d.rotation, None, "no rotation settings saved");
    assert_eq!(d.versions.len(), 1, "no pending version");

    let e = w
        .service
        .rotate_secret(&caller(), rotate(2, None).tap_id("nope"))
        .await
        .expect_err("missing");
    w.fake.refuse.store(false, Ordering::SeqCst);
    assert_eq!(domain(e), Error::SecretNotFound);

    w.service
        .delete_secret(&caller(), "db", Some(7), false)
        .await
        .expect("delete");
    let e = domain(
        w.service
            .rotate_secret(&caller(), rotate(2, None))
            .await
            .expect_err("deleted"),
    );
    assert_eq!(e, Error::AlreadyMarkedDeleted);
    let e = domain(
        w.service
            .cancel_rotate_secret(&caller(), "db")
            .await
            .expect_err("deleted"),
    );
    assert_eq!(e, Error::AlreadyMarkedDeleted);
}

trait TapId {
    fn tap_id(self, id: &str) -> Self;
}
impl TapId for RotateSecretInput {
    fn tap_id(mut self, id: &str) -> Self {
        self.secret_id = id.into();
        self
    }
}

#[tokio::test]
async fn a_rotation_places_a_value_less_awspending_then_succeeds() {
    let w = world().await;
    let t = token(2);
    let out = w
        .service
        .rotate_secret(&caller(), rotate(2, Some((Some(30), None, None))))
        .await
        .expect("rotate");
    assert_eq!(out.version_id.as_deref(), Some(t.as_str()));
    let d = w
        .service
        .describe_secret(&caller(), "db")
        .await
        .expect("describe");
    assert_eq!(d.holder_of(AWSPENDING), Some(t.as_str()));
    assert!(!d.version(&t).expect("pending version").has_value);
    let r = d.rotation.as_ref().expect("rotation");
    assert!(r.enabled);
    assert_eq!(r.lambda_arn.as_deref(), Some(LAMBDA));
    assert_eq!(r.last_rotated, None);
    assert_eq!(r.next_rotation, Some(START.truncate_to_day().plus_days(30)));
    // the template's createSecret looks for a value first: none yet
    let e = w
        .service
        .get_secret_value(
            &caller(),
            &GetSecretValueInput {
                secret_id: "db".into(),
                version_id: Some(t.clone()),
                version_stage: Some(AWSPENDING.into()),
            },
        )
        .await
        .expect_err("no value yet");
    assert_eq!(
        domain(e).kind(),
        strongroom_domain::ErrorKind::ResourceNotFound
    );
    // a rotation in progress refuses another
    let e = domain(
        w.service
            .rotate_secret(&caller(), rotate(3, None))
            .await
            .expect_err("busy"),
    );
    assert_eq!(e, Error::RotationInProgress);

    let c = run(claim(&w).await);
    assert_eq!(
        (c.token.as_str(), c.lambda_arn.as_str()),
        (t.as_str(), LAMBDA)
    );
    assert_eq!(claim(&w).await, Claim::Nothing, "claimed once only");
    function_rotates(&w, &t).await;
    w.clock.advance(1_000);
    let finished = w
        .service
        .finish_rotation(&c.arn, &t, StepsOutcome::Completed)
        .await
        .expect("finish");
    assert_eq!(finished, Finished::Succeeded);
    let d = w
        .service
        .describe_secret(&caller(), "db")
        .await
        .expect("describe");
    assert_eq!(d.stages_of(&t), vec![AWSCURRENT.to_owned()]);
    assert_eq!(d.stages_of(&token(1)), vec![AWSPREVIOUS.to_owned()]);
    let r = d.rotation.expect("rotation");
    assert_eq!(r.last_rotated, Some(Timestamp(START.0 + 1_000)));
    assert_eq!(r.run, None);
    assert_eq!(r.next_rotation, Some(START.truncate_to_day().plus_days(30)));
    // a second rotation reuses the stored function
    let mut again = rotate(3, None);
    again.rotation_lambda_arn = None;
    w.service
        .rotate_secret(&caller(), again)
        .await
        .expect("rotate again");
}

#[tokio::test]
async fn a_failed_step_keeps_awscurrent_and_awspending_and_is_retried() {
    let w = world().await;
    let t = token(2);
    w.service
        .rotate_secret(&caller(), rotate(2, None))
        .await
        .expect("rotate");
    let c = run(claim(&w).await);
    let finished = w
        .service
        .finish_rotation(
            &c.arn,
            &t,
            StepsOutcome::Failed {
                retry_after_ms: 60_000,
            },
        )
        .await
        .expect("finish");
    assert_eq!(finished, Finished::Failed);
    let d = w
        .service
        .describe_secret(&caller(), "db")
        .await
        .expect("describe");
    assert_eq!(d.holder_of(AWSCURRENT), Some(token(1).as_str()));
    assert_eq!(d.holder_of(AWSPENDING), Some(t.as_str()));
    assert_eq!(
        claim(&w).await,
        Claim::Nothing,
        "not before the retry delay"
    );
    w.clock.advance(60_000);
    let c = run(claim(&w).await);
    assert_eq!((c.token.as_str(), c.attempts), (t.as_str(), 1));
    // steps that all answered but left AWSCURRENT alone are a failure too
    let finished = w
        .service
        .finish_rotation(&c.arn, &t, StepsOutcome::Completed)
        .await
        .expect("finish");
    assert_eq!(finished, Finished::Failed);
}

/// A node that stops mid-rotation leaves its claim; once the claim's lease
/// ends, the run is claimed again with the same token and resumed from
/// createSecret (AWS: "That rotation will be reattempted"; the template's
/// steps are idempotent by token).
#[tokio::test]
async fn an_expired_claim_is_resumed_with_the_same_token() {
    let w = world().await;
    w.service
        .rotate_secret(&caller(), rotate(2, None))
        .await
        .expect("rotate");
    let first = run(claim(&w).await);
    w.clock.advance(LEASE - 1);
    assert_eq!(claim(&w).await, Claim::Nothing);
    w.clock.advance(1);
    let again = run(claim(&w).await);
    assert_eq!(again.token, first.token);
    assert_eq!(again.rotation_token, first.rotation_token);
}

#[tokio::test]
async fn cancel_mid_rotation_stops_the_run_and_leaves_awspending() {
    let w = world().await;
    let t = token(2);
    w.service
        .rotate_secret(&caller(), rotate(2, Some((Some(1), None, None))))
        .await
        .expect("rotate");
    let c = run(claim(&w).await);
    assert!(
        w.service
            .rotation_continues(&c.arn, &t)
            .await
            .expect("continues")
    );
    let out = w
        .service
        .cancel_rotate_secret(&caller(), "db")
        .await
        .expect("cancel");
    assert_eq!(out.version_id.as_deref(), Some(t.as_str()));
    assert!(
        !w.service
            .rotation_continues(&c.arn, &t)
            .await
            .expect("continues")
    );
    assert_eq!(
        w.service
            .finish_rotation(&c.arn, &t, StepsOutcome::Completed)
            .await
            .expect("finish"),
        Finished::Abandoned
    );
    let d = w
        .service
        .describe_secret(&caller(), "db")
        .await
        .expect("describe");
    let r = d.rotation.as_ref().expect("still configured");
    assert!(!r.enabled);
    assert_eq!(r.next_rotation, None);
    assert_eq!(
        d.holder_of(AWSPENDING),
        Some(t.as_str()),
        "left for the caller"
    );
    w.clock.advance(2 * DAY);
    assert!(w.service.rotations_due(10).await.expect("due").is_empty());
}

#[tokio::test]
async fn rotate_immediately_false_only_tests_and_removes_awspending() {
    let w = world().await;
    let t = token(2);
    let mut input = rotate(2, Some((None, Some("rate(10 days)"), None)));
    input.rotate_immediately = Some(false);
    w.service
        .rotate_secret(&caller(), input)
        .await
        .expect("rotate");
    let c = run(claim(&w).await);
    assert!(c.test_only);
    w.service
        .finish_rotation(&c.arn, &t, StepsOutcome::Completed)
        .await
        .expect("finish");
    let d = w
        .service
        .describe_secret(&caller(), "db")
        .await
        .expect("describe");
    assert_eq!(d.holder_of(AWSPENDING), None);
    assert!(d.version(&t).is_none(), "the empty test version is gone");
    let r = d.rotation.expect("rotation");
    assert!(r.enabled);
    assert_eq!(r.last_rotated, None);
    assert_eq!(r.next_rotation, Some(START.truncate_to_day().plus_days(10)));
}

/// Rotates once (at the clock's time), then returns the next rotation date.
async fn configure_and_rotate(
    w: &World,
    rules: (Option<i64>, Option<&str>, Option<&str>),
) -> Timestamp {
    w.service
        .rotate_secret(&caller(), rotate(2, Some(rules)))
        .await
        .expect("rotate");
    let c = run(claim(w).await);
    function_rotates(w, &c.token).await;
    w.service
        .finish_rotation(&c.arn, &c.token, StepsOutcome::Completed)
        .await
        .expect("finish");
    w.service
        .describe_secret(&caller(), "db")
        .await
        .expect("describe")
        .rotation
        .and_then(|r| r.next_rotation)
        .expect("next rotation")
}

/// Advances to `t` and says whether a rotation is due there.
async fn due_at(w: &World, t: Timestamp) -> bool {
    w.clock.set(t);
    !w.service.rotations_due(10).await.expect("due").is_empty()
}

#[tokio::test]
async fn rate_four_hours_rotates_in_its_window_with_a_new_token() {
    let w = world().await;
    // START is 2023-11-14 22:13:20 UTC: the next window opens 4 h after 22:00
    let next = configure_and_rotate(&w, (None, Some("rate(4 hours)"), None)).await;
    let hour = START.0 / HOUR * HOUR;
    assert_eq!(next, Timestamp(hour + 4 * HOUR));
    assert!(!due_at(&w, Timestamp(next.0 - 1)).await);
    assert!(due_at(&w, next).await);
    let c = run(claim(&w).await);
    assert_ne!(
        c.token,
        token(2),
        "a scheduled rotation has a token of its own"
    );
    let d = w
        .service
        .describe_secret(&caller(), "db")
        .await
        .expect("describe");
    assert_eq!(d.holder_of(AWSPENDING), Some(c.token.as_str()));
    assert!(!d.version(&c.token).expect("placeholder").has_value);
    function_rotates(&w, &c.token).await;
    w.service
        .finish_rotation(&c.arn, &c.token, StepsOutcome::Completed)
        .await
        .expect("finish");
    let r = w
        .service
        .describe_secret(&caller(), "db")
        .await
        .expect("describe")
        .rotation
        .expect("rotation");
    assert_eq!(r.last_rotated, Some(next));
    assert_eq!(r.next_rotation, Some(Timestamp(next.0 + 4 * HOUR)));
}

#[tokio::test]
async fn cron_first_and_fifteenth_at_16_and_a_missed_window() {
    let w = world().await;
    // 2023-11-14 22:13 → the 15th at 16:00
    let next = configure_and_rotate(&w, (None, Some("cron(0 16 1,15 * ? *)"), Some("2h"))).await;
    let nov15 = START.truncate_to_day().plus_days(1);
    assert_eq!(next, Timestamp(nov15.0 + 16 * HOUR));
    assert!(!due_at(&w, Timestamp(next.0 - 1)).await);
    // the window closed (2h) with the server down: moved to Dec 1st, 16:00
    assert!(due_at(&w, Timestamp(next.0 + 2 * HOUR)).await);
    assert_eq!(claim(&w).await, Claim::Nothing);
    let dec1 = nov15.plus_days(16);
    let r = w
        .service
        .describe_secret(&caller(), "db")
        .await
        .expect("describe")
        .rotation
        .expect("rotation");
    assert_eq!(r.next_rotation, Some(Timestamp(dec1.0 + 16 * HOUR)));
    assert!(due_at(&w, Timestamp(dec1.0 + 17 * HOUR)).await);
    assert!(matches!(claim(&w).await, Claim::Run(_)));
}

#[tokio::test]
async fn automatically_after_days_rotates_on_the_day() {
    let w = world().await;
    let next = configure_and_rotate(&w, (Some(7), None, None)).await;
    assert_eq!(next, START.truncate_to_day().plus_days(7));
    assert!(!due_at(&w, Timestamp(next.0 - 1)).await);
    assert!(due_at(&w, Timestamp(next.0 + 23 * HOUR)).await);
    assert!(matches!(claim(&w).await, Claim::Run(_)));
}

/// A value of the caller's own made AWSCURRENT during a rotation
/// supersedes it: AWSPENDING goes, and the run is abandoned (at its next
/// claim, or when the running attempt finishes).
#[tokio::test]
async fn a_manual_value_supersedes_a_rotation_in_progress() {
    let w = world().await;
    let t = token(2);
    w.service
        .rotate_secret(&caller(), rotate(2, None))
        .await
        .expect("rotate");
    let c = run(claim(&w).await);
    w.service
        .finish_rotation(&c.arn, &t, StepsOutcome::Failed { retry_after_ms: 0 })
        .await
        .expect("fail");
    w.service
        .put_secret_value(
            &caller(),
            PutSecretValueInput {
                secret_id: "db".into(),
                client_request_token: Some(token(9)),
                value: Some(SecretValue::String("by hand".into())),
                version_stages: None,
                rotation_token: None,
            },
        )
        .await
        .expect("put");
    let d = w
        .service
        .describe_secret(&caller(), "db")
        .await
        .expect("describe");
    assert_eq!(d.holder_of(AWSPENDING), None);
    assert!(matches!(claim(&w).await, Claim::Abandoned { .. }));
    assert_eq!(claim(&w).await, Claim::Nothing);
    // a new rotation may start
    w.service
        .rotate_secret(&caller(), rotate(3, None))
        .await
        .expect("rotate again");
    let c = run(claim(&w).await);
    w.service
        .update_secret(
            &caller(),
            strongroom_service::UpdateSecretInput {
                secret_id: "db".into(),
                client_request_token: Some(token(10)),
                value: Some(SecretValue::String("by hand again".into())),
                ..Default::default()
            },
        )
        .await
        .expect("update");
    assert_eq!(
        w.service
            .finish_rotation(&c.arn, &c.token, StepsOutcome::Completed)
            .await
            .expect("finish"),
        Finished::Abandoned
    );
}

/// AutomaticallyAfterDays counts a manual update as a rotation: the next
/// window is computed from it.
#[tokio::test]
async fn a_manual_update_moves_the_next_rotation_of_automatically_after_days() {
    let w = world().await;
    let next = configure_and_rotate(&w, (Some(7), None, None)).await;
    w.clock.advance(3 * DAY);
    w.service
        .put_secret_value(
            &caller(),
            PutSecretValueInput {
                secret_id: "db".into(),
                client_request_token: Some(token(9)),
                value: Some(SecretValue::String("by hand".into())),
                version_stages: None,
                rotation_token: None,
            },
        )
        .await
        .expect("put");
    let r = w
        .service
        .describe_secret(&caller(), "db")
        .await
        .expect("describe")
        .rotation
        .expect("rotation");
    assert_eq!(r.next_rotation, Some(Timestamp(next.0 + 3 * DAY)));
}

/// The account's admin user, with `policy` as its only identity policy.
fn user(policy: &str) -> strongroom_service::RequestContext {
    let mut ctx = caller();
    let mut principal = (*ctx.principal).clone();
    principal.policies = vec![Arc::new(
        strongroom_policy::Policy::parse(policy, strongroom_policy::PolicyKind::Identity)
            .expect("policy"),
    )];
    ctx.principal = Arc::new(principal);
    ctx
}

/// RotateSecret needs secretsmanager:RotateSecret on the secret and, as in
/// AWS, lambda:InvokeFunction on the function; a denied call saves nothing.
#[tokio::test]
async fn rotate_secret_is_authorized_on_the_secret_and_the_function() {
    let w = world().await;
    let only_secrets = user(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}}"#,
    );
    match w
        .service
        .rotate_secret(&only_secrets, rotate(2, None))
        .await
    {
        Err(ServiceError::AccessDenied(m)) => assert!(m.contains("lambda:InvokeFunction"), "{m}"),
        other => panic!("expected AccessDenied, got {other:?}"),
    }
    let only_lambda = user(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"*"}}"#,
    );
    match w.service.rotate_secret(&only_lambda, rotate(2, None)).await {
        Err(ServiceError::AccessDenied(m)) => {
            assert!(m.contains("secretsmanager:RotateSecret"), "{m}")
        }
        other => panic!("expected AccessDenied, got {other:?}"),
    }
    let d = w
        .service
        .describe_secret(&caller(), "db")
        .await
        .expect("describe");
    assert_eq!((d.rotation.is_none(), d.versions.len()), (true, 1));
    let both = user(&format!(
        r#"{{"Version":"2012-10-17","Statement":[
            {{"Effect":"Allow","Action":"secretsmanager:RotateSecret","Resource":"*"}},
            {{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"{LAMBDA}"}}]}}"#
    ));
    w.service
        .rotate_secret(&both, rotate(2, None))
        .await
        .expect("allowed");
    let cancel_denied = w.service.cancel_rotate_secret(&both, "db").await;
    assert!(matches!(cancel_denied, Err(ServiceError::AccessDenied(_))));
}

/// PutSecretValue's RotationToken: accepted only while the secret's rotation
/// runs with exactly that token (AWS validates a rotation function's calls
/// with it); a wrong one, or one when nothing rotates, is AccessDenied and
/// changes nothing; without the member, a put works as before.
#[tokio::test]
async fn put_secret_value_honours_the_rotation_token() {
    let w = world().await;
    let put = |t: u32, rotation_token: Option<String>| PutSecretValueInput {
        secret_id: "db".into(),
        client_request_token: Some(token(t)),
        value: Some(SecretValue::String(format!("v{t}"))),
        version_stages: Some(vec![AWSPENDING.into()]),
        rotation_token,
    };
    let denied = |r: Result<_, ServiceError>| match r {
        Err(ServiceError::AccessDenied(m)) => assert!(m.contains("rotation token"), "{m}"),
        other => panic!("expected AccessDenied, got {other:?}"),
    };
    // Nothing rotates yet: any token is refused.
    denied(
        w.service
            .put_secret_value(&caller(), put(5, Some("a".repeat(36))))
            .await,
    );
    w.service
        .rotate_secret(&caller(), rotate(2, None))
        .await
        .expect("rotate");
    let running = run(claim(&w).await);
    let mut wrong = running.rotation_token.clone();
    wrong.replace_range(0..1, if wrong.starts_with('x') { "y" } else { "x" });
    denied(
        w.service
            .put_secret_value(&caller(), put(2, Some(wrong)))
            .await,
    );
    let d = w
        .service
        .describe_secret(&caller(), "db")
        .await
        .expect("describe");
    assert!(
        !d.version(&token(2)).expect("pending version").has_value,
        "a refused put fills nothing"
    );
    let out = w
        .service
        .put_secret_value(&caller(), put(2, Some(running.rotation_token.clone())))
        .await
        .expect("the run's own token");
    assert_eq!(out.version_id, token(2));
    // After the run ends the token is no longer accepted.
    w.service
        .cancel_rotate_secret(&caller(), "db")
        .await
        .expect("cancel");
    denied(
        w.service
            .put_secret_value(&caller(), put(6, Some(running.rotation_token)))
            .await,
    );
}
