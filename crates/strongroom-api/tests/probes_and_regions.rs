//! `GET /health` and `GET /ready` (answered before the pipeline, never
//! recorded; `/ready` is 503 when the store does not answer), and the
//! served regions (a request signed for another region is refused at
//! authentication and creates nothing).

use axum::body::Body;
use http::Request;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use strongroom_api::{
    AppState, Authenticator, CallRecord, Recorder, Recording, ServedRegions, router,
};
use strongroom_crypto::{Key256, RootKey};
use strongroom_iam::Iam;
use strongroom_service::{Clock, Service, SystemClock};
use strongroom_store::sqlite::SqliteStore;
use strongroom_store::{ReadTx, Store, StoreError, WriteJob};
use tower::ServiceExt;

const ACCOUNT: &str = "123456789012";
const SERVED: &str = "eu-west-1";
/// A commercial region, but not one this test's server serves.
const NOT_SERVED: &str = "us-west-2";

/// Counts the calls handed to the recorders (the pipeline's last step).
#[derive(Default)]
struct Counting(AtomicUsize);

impl Recorder for Counting {
    fn record(&self, _: &CallRecord<'_>) -> Recording {
        self.0.fetch_add(1, Ordering::SeqCst);
        Recording::Done
    }
}

/// A store whose reads fail, as one that cannot be reached.
struct Unreachable;

impl Store for Unreachable {
    fn read_dyn(
        &self,
        _: &mut dyn FnMut(&dyn ReadTx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        Err(StoreError::Closed)
    }
    fn submit_write(&self, _: WriteJob) {}
}

struct Env {
    _dir: tempfile::TempDir,
    app: axum::Router,
    store: Arc<dyn Store>,
    recorded: Arc<Counting>,
    key_id: String,
    secret: String,
}

/// A server on a fresh store serving `SERVED` only; with `service_store`,
/// the Secrets Manager service reads that store instead.
async fn env(service_store: Option<Arc<dyn Store>>) -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("db")).expect("open"));
    let root = RootKey(Key256::generate().expect("key"));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let iam = Arc::new(Iam::new(
        store.clone(),
        root.clone(),
        Arc::new(strongroom_iam::SystemClock),
    ));
    strongroom_service::ensure_account(&store, ACCOUNT)
        .await
        .expect("account");
    let key = iam
        .bootstrap_account(ACCOUNT)
        .await
        .expect("bootstrap")
        .expect("a new key");
    let service = Arc::new(Service::new(
        service_store.unwrap_or_else(|| store.clone()),
        root,
        clock.clone(),
    ));
    let recorded = Arc::new(Counting::default());
    let state = Arc::new(AppState {
        service,
        iam: iam.clone(),
        auth: Arc::new(
            Authenticator::new(iam, None).with_regions(ServedRegions::new([SERVED.to_owned()])),
        ),
        clock,
        recorder: recorded.clone(),
        trail: None,
        calls: Default::default(),
        bodies: Default::default(),
    });
    Env {
        _dir: dir,
        app: router(state),
        store,
        recorded,
        key_id: key.access_key_id.clone(),
        secret: key.secret_access_key.as_str().to_owned(),
    }
}

struct Reply {
    status: u16,
    content_type: String,
    body: String,
}

impl Env {
    async fn call(&self, request: Request<Body>) -> Reply {
        let response = self.app.clone().oneshot(request).await.expect("response");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("body");
        Reply {
            status,
            content_type,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, path: &str) -> Reply {
        self.call(Request::get(path).body(Body::empty()).expect("request"))
            .await
    }

    /// A request signed for `region`: JSON 1.1 with a target, else Query.
    async fn signed(&self, region: &str, service: &str, target: Option<&str>, body: &str) -> Reply {
        let now = SystemClock.now().millis();
        let amz_date = strongroom_auth::format_amz_date(now);
        let mut headers = http::HeaderMap::new();
        headers.insert("host", http::HeaderValue::from_static("localhost"));
        headers.insert("x-amz-date", amz_date.parse().expect("date"));
        let content_type = match target {
            Some(t) => {
                headers.insert("x-amz-target", t.parse().expect("target"));
                "application/x-amz-json-1.1"
            }
            None => "application/x-www-form-urlencoded; charset=utf-8",
        };
        headers.insert("content-type", content_type.parse().expect("ct"));
        let authorization = strongroom_auth::sign_headers(&strongroom_auth::SignInput {
            method: "POST",
            path: "/",
            query: None,
            headers: &headers,
            body: body.as_bytes(),
            access_key_id: &self.key_id,
            secret_access_key: &self.secret,
            region,
            service,
            amz_date: &amz_date,
        });
        let mut request = Request::post("/")
            .body(Body::from(body.to_owned()))
            .expect("request");
        *request.headers_mut() = headers;
        request
            .headers_mut()
            .insert("authorization", authorization.parse().expect("auth"));
        self.call(request).await
    }

    async fn create_secret(&self, region: &str, name: &str) -> Reply {
        let body = format!(
            r#"{{"Name":"{name}","SecretString":"v","ClientRequestToken":"00000000-0000-0000-0000-00000000000{}"}}"#,
            name.len() % 10
        );
        self.signed(
            region,
            "secretsmanager",
            Some("secretsmanager.CreateSecret"),
            &body,
        )
        .await
    }

    fn kms_key_exists(&self, region: &str) -> bool {
        self.store
            .read(|tx| tx.kms_alias(ACCOUNT, region, "alias/aws/secretsmanager"))
            .expect("read")
            .is_some()
    }

    fn recorded(&self) -> usize {
        self.recorded.0.load(Ordering::SeqCst)
    }
}

#[tokio::test]
async fn health_and_ready_answer_without_being_recorded() {
    let env = env(None).await;
    let health = env.get("/health").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.content_type, "application/json");
    assert_eq!(health.body, r#"{"status":"ok"}"#);
    let ready = env.get("/ready").await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.body, r#"{"status":"ready"}"#);
    assert_eq!(env.recorded(), 0, "the probes are not AWS calls");
    // A signed call is recorded: the counter counts.
    let created = env.create_secret(SERVED, "a").await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(env.recorded(), 1);
}

#[tokio::test]
async fn other_methods_and_paths_still_go_through_the_pipeline() {
    let env = env(None).await;
    for request in [
        Request::post("/health").body(Body::empty()),
        Request::delete("/ready").body(Body::empty()),
        Request::get("/healthz").body(Body::empty()),
        Request::get("/").body(Body::empty()),
    ] {
        let reply = env.call(request.expect("request")).await;
        assert_eq!(reply.status, 405, "{}", reply.body);
        assert!(
            reply.body.contains("MethodNotAllowedException"),
            "{}",
            reply.body
        );
    }
    assert_eq!(env.recorded(), 4, "refusals are recorded as before");
}

#[tokio::test]
async fn not_ready_while_the_store_does_not_answer() {
    let env = env(Some(Arc::new(Unreachable))).await;
    let ready = env.get("/ready").await;
    assert_eq!(ready.status, 503);
    assert_eq!(ready.body, r#"{"status":"not ready"}"#);
    // Alive all the same.
    assert_eq!(env.get("/health").await.status, 200);
}

#[tokio::test]
async fn a_region_not_served_is_refused_at_authentication_and_creates_nothing() {
    let env = env(None).await;
    let refused = env.create_secret(NOT_SERVED, "a").await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    let error: serde_json::Value = serde_json::from_str(&refused.body).expect("json");
    assert_eq!(
        error,
        serde_json::json!({
            "__type": "InvalidSignatureException",
            "Message": "Credential should be scoped to a valid region. ",
        })
    );
    assert!(
        !env.kms_key_exists(NOT_SERVED),
        "no KMS key for a region not served"
    );
    let listed = env
        .signed(
            NOT_SERVED,
            "secretsmanager",
            Some("secretsmanager.ListSecrets"),
            "{}",
        )
        .await;
    assert_eq!(listed.status, 400, "{}", listed.body);
    // The served region works, and gets its key.
    let created = env.create_secret(SERVED, "a").await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(env.kms_key_exists(SERVED));
    assert!(!env.kms_key_exists(NOT_SERVED));
}

#[tokio::test]
async fn query_services_refuse_a_region_not_served_and_iam_takes_us_east_1() {
    let env = env(None).await;
    let identity = "Action=GetCallerIdentity&Version=2011-06-15";
    let refused = env.signed(NOT_SERVED, "sts", None, identity).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused.body.contains("<Code>SignatureDoesNotMatch</Code>")
            && refused
                .body
                .contains("<Message>Credential should be scoped to a valid region. </Message>"),
        "{}",
        refused.body
    );
    assert_eq!(env.signed(SERVED, "sts", None, identity).await.status, 200);
    // STS is regional: us-east-1 is not served here.
    assert_eq!(
        env.signed("us-east-1", "sts", None, identity).await.status,
        403
    );
    // IAM is global: signed for us-east-1 (as AWS's SDKs do) or a served
    // region; any other region is refused.
    let users = "Action=ListUsers&Version=2010-05-08";
    assert_eq!(
        env.signed("us-east-1", "iam", None, users).await.status,
        200
    );
    assert_eq!(env.signed(SERVED, "iam", None, users).await.status, 200);
    let refused = env.signed(NOT_SERVED, "iam", None, users).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused.body.contains("SignatureDoesNotMatch"),
        "{}",
        refused.body
    );
}
