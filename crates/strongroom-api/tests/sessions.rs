//! Temporary credentials through the whole request pipeline, with a clock
//! the test controls: AssumeRole (trust policy, session policy, session
//! tags), using the credentials, their expiry, tampering, and a deleted
//! role ending its sessions. (Over TCP the Python suite covers the same
//! flows, except expiry, which needs time to pass.)

use axum::body::Body;
use http::Request;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use strongroom_api::{AppState, Authenticator, LogRecorder, router};
use strongroom_crypto::{Key256, RootKey};
use strongroom_domain::Timestamp;
use strongroom_iam::{CreateRoleInput, Iam, InlinePolicyInput, PutInlinePolicyInput};
use strongroom_service::Service;
use strongroom_store::Store;
use strongroom_store::sqlite::SqliteStore;
use tower::ServiceExt;

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
const START_MS: i64 = 1_800_000_000_000;

/// The clock of the service and IAM, moved by hand.
struct TestClock(AtomicI64);

impl strongroom_service::Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

struct Env {
    _dir: tempfile::TempDir,
    app: axum::Router,
    iam: Arc<Iam>,
    clock: Arc<TestClock>,
    admin: Creds,
}

#[derive(Clone)]
struct Creds {
    id: String,
    secret: String,
    token: Option<String>,
}

async fn env() -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("db")).expect("open"));
    let root = RootKey(Key256::generate().expect("key"));
    let clock = Arc::new(TestClock(AtomicI64::new(START_MS)));
    let iam = Arc::new(Iam::new(store.clone(), root.clone(), clock.clone()));
    let key = iam
        .bootstrap_account(ACCOUNT)
        .await
        .expect("bootstrap")
        .expect("a new key");
    let service = Arc::new(Service::new(store, root, clock.clone()));
    let state = Arc::new(AppState {
        service,
        iam: iam.clone(),
        auth: Arc::new(Authenticator::new(iam.clone(), None)),
        clock: clock.clone(),
        recorder: Arc::new(LogRecorder),
        trail: None,
        calls: Default::default(),
        bodies: Default::default(),
    });
    Env {
        _dir: dir,
        app: router(state),
        iam,
        clock,
        admin: Creds {
            id: key.access_key_id.clone(),
            secret: key.secret_access_key.as_str().to_owned(),
            token: None,
        },
    }
}

struct Reply {
    status: u16,
    body: String,
}

impl Env {
    /// A signed request at the test clock's time.
    async fn send(&self, creds: &Creds, service: &str, target: Option<&str>, body: &str) -> Reply {
        let now = self.clock.0.load(Ordering::SeqCst);
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
        if let Some(token) = &creds.token {
            headers.insert("x-amz-security-token", token.parse().expect("token"));
        }
        let authorization = strongroom_auth::sign_headers(&strongroom_auth::SignInput {
            method: "POST",
            path: "/",
            query: None,
            headers: &headers,
            body: body.as_bytes(),
            access_key_id: &creds.id,
            secret_access_key: &creds.secret,
            region: REGION,
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
        let response = self.app.clone().oneshot(request).await.expect("response");
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("body");
        Reply {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn secrets(&self, creds: &Creds, op: &str, body: &str) -> Reply {
        let target = format!("secretsmanager.{op}");
        self.send(creds, "secretsmanager", Some(&target), body)
            .await
    }

    async fn sts(&self, creds: &Creds, form: &str) -> Reply {
        self.send(creds, "sts", None, form).await
    }

    /// A role that the account (delegating to its users' policies) may
    /// assume, allowed to read and describe every secret.
    async fn role(&self, name: &str) {
        let trust = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":["sts:AssumeRole","sts:TagSession"]}}]}}"#
        );
        self.iam
            .create_role(
                ACCOUNT,
                CreateRoleInput {
                    role_name: name.into(),
                    assume_role_policy_document: trust,
                    ..Default::default()
                },
            )
            .await
            .expect("role");
        self.iam
            .put_role_policy(
                ACCOUNT,
                PutInlinePolicyInput {
                    holder_name: name.into(),
                    policy_name: "read".into(),
                    policy_document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],"Resource":"*"}]}"#.into(),
                },
            )
            .await
            .expect("role policy");
    }
}

/// The text of `<name>…</name>` in an XML answer.
fn xml(body: &str, name: &str) -> String {
    body.split(&format!("<{name}>"))
        .nth(1)
        .and_then(|rest| rest.split(&format!("</{name}>")).next())
        .unwrap_or_else(|| panic!("no {name} in {body}"))
        .to_owned()
}

fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn assume(env: &Env, role: &str, extra: &str) -> Reply {
    let form = format!(
        "Action=AssumeRole&Version=2011-06-15&RoleArn={}&RoleSessionName=s1{extra}",
        form_encode(&format!("arn:aws:iam::{ACCOUNT}:role/{role}"))
    );
    env.sts(&env.admin, &form).await
}

fn session_creds(reply: &Reply) -> Creds {
    assert_eq!(reply.status, 200, "{}", reply.body);
    Creds {
        id: xml(&reply.body, "AccessKeyId"),
        secret: xml(&reply.body, "SecretAccessKey"),
        token: Some(xml(&reply.body, "SessionToken")),
    }
}

#[tokio::test]
async fn a_role_session_works_is_narrowed_and_expires() {
    let env = env().await;
    env.role("reader").await;
    let created = env
        .secrets(&env.admin, "CreateSecret", r#"{"Name":"app/db","SecretString":"pw","ClientRequestToken":"00000000-0000-0000-0000-000000000001"}"#)
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let session_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
    let reply = assume(
        &env,
        "reader",
        &format!(
            "&DurationSeconds=900&Policy={}&Tags.member.1.Key=team&Tags.member.1.Value=blue",
            form_encode(session_policy)
        ),
    )
    .await;
    let creds = session_creds(&reply);
    assert!(creds.id.starts_with("ASIA"));
    assert_eq!(
        xml(&reply.body, "Arn"),
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/reader/s1")
    );
    assert!(xml(&reply.body, "AssumedRoleId").ends_with(":s1"));

    let who = env
        .sts(&creds, "Action=GetCallerIdentity&Version=2011-06-15")
        .await;
    assert_eq!(who.status, 200, "{}", who.body);
    assert_eq!(
        xml(&who.body, "Arn"),
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/reader/s1")
    );

    let read = env
        .secrets(&creds, "GetSecretValue", r#"{"SecretId":"app/db"}"#)
        .await;
    assert_eq!(read.status, 200, "{}", read.body);
    // The role may describe, the session policy may not: narrowed.
    let describe = env
        .secrets(&creds, "DescribeSecret", r#"{"SecretId":"app/db"}"#)
        .await;
    assert_eq!(describe.status, 400);
    assert!(
        describe.body.contains("AccessDeniedException"),
        "{}",
        describe.body
    );
    assert!(
        describe.body.contains("because no session policy allows"),
        "{}",
        describe.body
    );

    // 15 minutes later the credentials have expired.
    env.clock.0.fetch_add(900_000, Ordering::SeqCst);
    let late = env
        .secrets(&creds, "GetSecretValue", r#"{"SecretId":"app/db"}"#)
        .await;
    assert_eq!(late.status, 400);
    assert!(late.body.contains("ExpiredTokenException"), "{}", late.body);
    let late = env
        .sts(&creds, "Action=GetCallerIdentity&Version=2011-06-15")
        .await;
    assert_eq!(late.status, 403);
    assert!(
        late.body.contains("<Code>ExpiredToken</Code>"),
        "{}",
        late.body
    );
}

#[tokio::test]
async fn tampered_tokens_and_deleted_roles_end_sessions() {
    let env = env().await;
    env.role("temp").await;
    let creds = session_creds(&assume(&env, "temp", "").await);
    let ok = env
        .sts(&creds, "Action=GetCallerIdentity&Version=2011-06-15")
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);

    let mut forged = creds.clone();
    let token = forged.token.take().expect("token");
    let mut bytes = token.into_bytes();
    let i = bytes.len() - 5;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    forged.token = Some(String::from_utf8(bytes).expect("ascii"));
    let refused = env
        .sts(&forged, "Action=GetCallerIdentity&Version=2011-06-15")
        .await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.body.contains("InvalidClientTokenId"),
        "{}",
        refused.body
    );

    // Someone else's session key with this token does not work either.
    let mut swapped = creds.clone();
    swapped.id = "ASIAAAAAAAAAAAAAAAAA".into();
    let refused = env
        .sts(&swapped, "Action=GetCallerIdentity&Version=2011-06-15")
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);

    env.iam
        .delete_role_policy(
            ACCOUNT,
            InlinePolicyInput {
                holder_name: "temp".into(),
                policy_name: "read".into(),
            },
        )
        .await
        .expect("delete policy");
    env.iam
        .delete_role(
            ACCOUNT,
            strongroom_iam::DeleteRoleInput {
                role_name: "temp".into(),
            },
        )
        .await
        .expect("delete role");
    let gone = env
        .sts(&creds, "Action=GetCallerIdentity&Version=2011-06-15")
        .await;
    assert_eq!(gone.status, 403);
    assert!(gone.body.contains("InvalidClientTokenId"), "{}", gone.body);
    // A role created again under the same name is another role: the old
    // sessions stay dead.
    env.role("temp").await;
    let still_gone = env
        .sts(&creds, "Action=GetCallerIdentity&Version=2011-06-15")
        .await;
    assert_eq!(still_gone.status, 403, "{}", still_gone.body);
}

#[tokio::test]
async fn assume_role_is_refused_without_trust_and_for_missing_roles() {
    let env = env().await;
    let trust_nobody = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}"#;
    env.iam
        .create_role(
            ACCOUNT,
            CreateRoleInput {
                role_name: "untrusting".into(),
                assume_role_policy_document: trust_nobody.into(),
                ..Default::default()
            },
        )
        .await
        .expect("role");
    // The admin may do anything by its own policies, but the trust policy
    // does not let it in.
    for role in ["untrusting", "missing"] {
        let reply = assume(&env, role, "").await;
        assert_eq!(reply.status, 403, "{}", reply.body);
        assert!(
            reply.body.contains("<Code>AccessDenied</Code>"),
            "{}",
            reply.body
        );
        assert!(
            reply.body.contains(&format!(
                "is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{ACCOUNT}:role/{role}"
            )),
            "{}",
            reply.body
        );
    }
    // The denial names the role as asked for, whether or not a role by that
    // name (in another case, at another path) exists.
    let odd = format!("arn:aws:iam::{ACCOUNT}:role/zz/UNTRUSTING");
    let form = format!(
        "Action=AssumeRole&Version=2011-06-15&RoleArn={}&RoleSessionName=s1",
        form_encode(&odd)
    );
    let reply = env.sts(&env.admin, &form).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(
        reply
            .body
            .contains(&format!("sts:AssumeRole on resource: {odd}</Message>")),
        "{}",
        reply.body
    );
    // Too long for the role.
    env.role("short").await;
    let reply = assume(&env, "short", "&DurationSeconds=7200").await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(reply.body.contains("ValidationError"), "{}", reply.body);
    // A malformed session policy.
    let reply = assume(&env, "short", "&Policy=nonsense").await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(
        reply.body.contains("MalformedPolicyDocument"),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn user_sessions_act_as_the_user_but_cannot_call_iam() {
    let env = env().await;
    let reply = env
        .sts(
            &env.admin,
            "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900",
        )
        .await;
    let creds = session_creds(&reply);
    let who = env
        .sts(&creds, "Action=GetCallerIdentity&Version=2011-06-15")
        .await;
    assert_eq!(
        xml(&who.body, "Arn"),
        format!("arn:aws:iam::{ACCOUNT}:user/admin")
    );
    let again = env
        .sts(&creds, "Action=GetSessionToken&Version=2011-06-15")
        .await;
    assert_eq!(again.status, 403, "{}", again.body);
    let listed = env.secrets(&creds, "ListSecrets", "{}").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let iam = env
        .send(&creds, "iam", None, "Action=ListUsers&Version=2010-05-08")
        .await;
    assert_eq!(iam.status, 403, "{}", iam.body);
    assert!(iam.body.contains("InvalidClientTokenId"), "{}", iam.body);
}

#[tokio::test]
async fn sessions_issued_before_a_cutoff_can_be_revoked() {
    let env = env().await;
    env.role("revocable").await;
    let creds = session_creds(&assume(&env, "revocable", "").await);
    let created = env
        .secrets(
            &env.admin,
            "CreateSecret",
            r#"{"Name":"kept","SecretString":"v","ClientRequestToken":"00000000-0000-0000-0000-000000000002"}"#,
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let read = env
        .secrets(&creds, "GetSecretValue", r#"{"SecretId":"kept"}"#)
        .await;
    assert_eq!(read.status, 200, "{}", read.body);
    // AWS's "revoke active sessions": deny tokens issued before a cutoff.
    let cutoff = jiff::Timestamp::from_millisecond(START_MS + 1000).expect("time");
    env.iam
        .put_role_policy(
            ACCOUNT,
            PutInlinePolicyInput {
                holder_name: "revocable".into(),
                policy_name: "revoke".into(),
                policy_document: format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"*","Resource":"*","Condition":{{"DateLessThan":{{"aws:TokenIssueTime":"{cutoff}"}}}}}}]}}"#
                ),
            },
        )
        .await
        .expect("revoke policy");
    let read = env
        .secrets(&creds, "GetSecretValue", r#"{"SecretId":"kept"}"#)
        .await;
    assert_eq!(read.status, 400, "{}", read.body);
    assert!(read.body.contains("explicit deny"), "{}", read.body);
    // A session issued after the cutoff works; long-term keys are untouched.
    env.clock.0.fetch_add(2000, Ordering::SeqCst);
    let fresh = session_creds(&assume(&env, "revocable", "").await);
    let read = env
        .secrets(&fresh, "GetSecretValue", r#"{"SecretId":"kept"}"#)
        .await;
    assert_eq!(read.status, 200, "{}", read.body);
}

#[tokio::test]
async fn across_accounts_the_callers_own_account_must_allow_assume_role() {
    const OTHER: &str = "210987654321";
    let env = env().await;
    let other_admin = env.iam.create_account(OTHER).await.expect("account");
    env.iam
        .create_user(
            OTHER,
            strongroom_iam::CreateUserInput {
                user_name: "intern".into(),
                ..Default::default()
            },
        )
        .await
        .expect("user");
    let key = env
        .iam
        .create_access_key_for(OTHER, "intern")
        .await
        .expect("key");
    let intern = Creds {
        id: key.access_key_id.clone(),
        secret: key.secret_access_key.as_str().to_owned(),
        token: None,
    };
    // A role of the first account whose trust policy names the intern.
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{OTHER}:user/intern"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    env.iam
        .create_role(
            ACCOUNT,
            CreateRoleInput {
                role_name: "ops".into(),
                assume_role_policy_document: trust,
                ..Default::default()
            },
        )
        .await
        .expect("role");
    let form = format!(
        "Action=AssumeRole&Version=2011-06-15&RoleArn={}&RoleSessionName=xx",
        form_encode(&format!("arn:aws:iam::{ACCOUNT}:role/ops"))
    );
    // The intern's own account grants nothing: refused.
    let reply = env.sts(&intern, &form).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    // Its account's admin may do anything there, but is not trusted.
    let admin_b = Creds {
        id: other_admin.access_key_id.clone(),
        secret: other_admin.secret_access_key.as_str().to_owned(),
        token: None,
    };
    let reply = env.sts(&admin_b, &form).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    // Once its own account allows it, the intern gets in.
    env.iam
        .put_user_policy(
            OTHER,
            PutInlinePolicyInput {
                holder_name: "intern".into(),
                policy_name: "assume".into(),
                policy_document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#.into(),
            },
        )
        .await
        .expect("policy");
    let reply = env.sts(&intern, &form).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}
