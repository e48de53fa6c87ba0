//! Authentication from the headers first: a request whose key or date is
//! refused is answered without a byte of its body being read (here, a body
//! that would never end), while a request that passes has its body read,
//! hashed and its signature verified.

use axum::body::Body;
use bytes::Bytes;
use http::Request;
use std::sync::Arc;
use std::time::Duration;
use strongroom_api::{AppState, Authenticator, BodyLimits, LogRecorder, router};
use strongroom_crypto::{Key256, RootKey};
use strongroom_service::{Clock, Service, SystemClock};
use strongroom_store::Store;
use strongroom_store::sqlite::SqliteStore;
use tower::ServiceExt;

const ACCOUNT: &str = "123456789012";

struct Env {
    _dir: tempfile::TempDir,
    app: axum::Router,
    key_id: String,
    secret: String,
}

async fn env() -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("db")).expect("open"));
    let root = RootKey(Key256::generate().expect("key"));
    let iam = Arc::new(strongroom_iam::Iam::new(
        store.clone(),
        root.clone(),
        Arc::new(strongroom_iam::SystemClock),
    ));
    let key = iam
        .bootstrap_account(ACCOUNT)
        .await
        .expect("bootstrap")
        .expect("a new key");
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let state = Arc::new(AppState {
        service: Arc::new(Service::new(store, root, clock.clone())),
        iam: iam.clone(),
        auth: Arc::new(Authenticator::new(iam, None)),
        clock,
        recorder: Arc::new(LogRecorder),
        trail: None,
        calls: Default::default(),
        bodies: BodyLimits::new(Duration::from_secs(1), 1 << 20),
    });
    Env {
        _dir: dir,
        app: router(state),
        key_id: key.access_key_id.clone(),
        secret: key.secret_access_key.as_str().to_owned(),
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64
}

/// A ListSecrets request signed by `key_id`/`secret` for `body`, at `at_ms`,
/// sent with `sent` as its body instead (so the body can be one that never
/// ends).
fn request(key_id: &str, secret: &str, at_ms: i64, body: &[u8], sent: Body) -> Request<Body> {
    let amz_date = strongroom_auth::format_amz_date(at_ms);
    let mut headers = http::HeaderMap::new();
    headers.insert("host", http::HeaderValue::from_static("localhost"));
    headers.insert("x-amz-date", amz_date.parse().expect("date"));
    headers.insert(
        "x-amz-target",
        http::HeaderValue::from_static("secretsmanager.ListSecrets"),
    );
    headers.insert(
        "content-type",
        http::HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    let authorization = strongroom_auth::sign_headers(&strongroom_auth::SignInput {
        method: "POST",
        path: "/",
        query: None,
        headers: &headers,
        body,
        access_key_id: key_id,
        secret_access_key: secret,
        region: "us-east-1",
        service: "secretsmanager",
        amz_date: &amz_date,
    });
    let mut request = Request::post("/").body(sent).expect("request");
    *request.headers_mut() = headers;
    request
        .headers_mut()
        .insert("authorization", authorization.parse().expect("auth"));
    request
}

fn endless() -> Body {
    Body::from_stream(futures_util::stream::pending::<Result<Bytes, std::io::Error>>())
}

async fn answer(app: &axum::Router, request: Request<Body>) -> (u16, String) {
    let response = tokio::time::timeout(Duration::from_secs(5), app.clone().oneshot(request))
        .await
        .expect("answered within 5 s")
        .expect("response");
    let status = response.status().as_u16();
    let code = response
        .headers()
        .get("x-amzn-errortype")
        .map(|v| v.to_str().expect("ascii").to_owned())
        .unwrap_or_default();
    (status, code)
}

#[tokio::test]
async fn refused_keys_and_dates_are_answered_without_reading_the_body() {
    let env = env().await;
    // A key nobody issued.
    let unknown = request("AKIAUNKNOWN000000000", "x", now_ms(), b"{}", endless());
    assert_eq!(
        answer(&env.app, unknown).await,
        (400, "UnrecognizedClientException".to_owned())
    );
    // A real key, but a date outside the allowed skew.
    let stale = request(
        &env.key_id,
        &env.secret,
        now_ms() - 20 * 60 * 1000,
        b"{}",
        endless(),
    );
    assert_eq!(
        answer(&env.app, stale).await,
        (400, "InvalidSignatureException".to_owned())
    );
}

#[tokio::test]
async fn a_passing_request_has_its_body_hashed_and_verified() {
    let env = env().await;
    let ok = request(&env.key_id, &env.secret, now_ms(), b"{}", Body::from("{}"));
    assert_eq!(answer(&env.app, ok).await, (200, String::new()));
    // The same headers with another body: the signature no longer matches.
    let tampered = request(&env.key_id, &env.secret, now_ms(), b"{}", Body::from("{ }"));
    assert_eq!(
        answer(&env.app, tampered).await,
        (400, "InvalidSignatureException".to_owned())
    );
    // A real key whose body never ends: cut off by the body deadline.
    let slow = request(&env.key_id, &env.secret, now_ms(), b"{}", endless());
    assert_eq!(
        answer(&env.app, slow).await,
        (408, "RequestTimeoutException".to_owned())
    );
}
