//! One store, seeded once per process with secrets whose names,
//! descriptions and tags exercise the filter rules, and the services the
//! targets call: the real one for reads, and one whose writes are dropped
//! unrun (a write handler still decodes and checks its input, and its
//! caller sees `StoreError::Closed`), so runs neither slow down on fsyncs
//! nor change the fixture.

use std::sync::{Arc, OnceLock};
use strongroom_crypto::{Key256, RootKey};
use strongroom_domain::kms::{KeySpec, KeyUsage};
use strongroom_domain::{Secret, SecretValue, Tag, Timestamp};
use strongroom_service::kms::CreateKeyInput;
use strongroom_service::{
    CreateSecretInput, ManualClock, PutSecretValueInput, RequestContext, Service,
};
use strongroom_store::sqlite::SqliteStore;
use strongroom_store::{ReadTx, Store, StoreError, WriteJob};

pub(super) struct Fixture {
    pub runtime: tokio::runtime::Runtime,
    pub service: Service,
    pub dry: Service,
    /// The us-east-1 secrets of the caller's account, as stored.
    pub secrets: Vec<Secret>,
    _dir: tempfile::TempDir,
}

/// The account's administrator, in us-east-1.
pub(super) fn admin() -> RequestContext {
    strongroom_service::testing::admin("us-east-1", Timestamp(1_700_000_000_000))
}

/// Reads from the store; drops every write unrun.
struct DropWrites(Arc<dyn Store>);

impl Store for DropWrites {
    fn read_dyn(
        &self,
        f: &mut dyn FnMut(&dyn ReadTx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.0.read_dyn(f)
    }

    fn submit_write(&self, _job: WriteJob) {}
}

/// A seeded secret: name, description, tags.
type Seed = (
    &'static str,
    Option<&'static str>,
    &'static [(&'static str, &'static str)],
);

/// The seeded secrets: word splitting at `/ _ + = . @ -` and case changes,
/// prefixes of one another, the same word in names, descriptions, tag keys
/// and values.
const SECRETS: &[Seed] = &[
    (
        "prod/AppBeta/db",
        Some("Production database password"),
        &[("Env", "prod"), ("team", "Platform-Core")],
    ),
    (
        "prod/AppBeta/api-key",
        Some("API key for AppBeta"),
        &[("Env", "prod")],
    ),
    (
        "dev/AppBeta/db",
        Some("development database"),
        &[("Env", "dev")],
    ),
    (
        "ThisTestSecret",
        Some("for the api"),
        &[("CostCenter", "1234")],
    ),
    ("COMPANYthings", None, &[]),
    (
        "dev_app+key=1.x@y-z",
        Some("  spaced   out\tdescription "),
        &[("a.b", "c:d")],
    ),
    ("a", None, &[("empty", "")]),
    ("A", Some("Capital A"), &[]),
    ("aa", Some("a a a"), &[("a", "a")]),
    ("app", None, &[("Name", "prod/AppBeta/db")]),
    (
        "App",
        Some("!bang is not a negation here"),
        &[("key", "value")],
    ),
    (
        "shared/tls/cert.pem",
        Some("TLS certificate"),
        &[("Owner", "sec@example.com")],
    ),
    (
        "shared/tls/key.pem",
        Some("TLS private key"),
        &[("Owner", "sec@example.com")],
    ),
    (
        "unicode",
        Some("Ünïcode déscription ÄÖÜ"),
        &[("Ünï", "cödé")],
    ),
    (
        "rds-db-credentials/cluster-ABC/admin",
        Some("RDS admin"),
        &[("aws-managed", "no")],
    ),
    ("x", Some("doomed secret"), &[("Env", "prod")]),
];

pub(super) fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(seed)
}

fn seed() -> Fixture {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&dir.path().join("fuzz.db")).expect("open the store"));
    let root = RootKey(Key256::generate().expect("a key"));
    let clock = Arc::new(ManualClock::new(Timestamp(1_700_000_000_000)));
    let service = Service::new(store.clone(), root.clone(), clock.clone());
    let dry = Service::new(Arc::new(DropWrites(store)), root, clock);
    let ctx = admin();
    let secrets = runtime.block_on(async {
        let mut arns = Vec::new();
        for (i, (name, description, tags)) in SECRETS.iter().enumerate() {
            let created = service
                .create_secret(
                    &ctx,
                    CreateSecretInput {
                        name: (*name).into(),
                        client_request_token: Some(format!("{i:0>36}")),
                        description: description.map(Into::into),
                        value: Some(SecretValue::String(format!("value {i}"))),
                        tags: Some(
                            tags.iter()
                                .map(|(key, value)| Tag {
                                    key: (*key).into(),
                                    value: (*value).into(),
                                })
                                .collect(),
                        ),
                        ..Default::default()
                    },
                )
                .await
                .unwrap_or_else(|e| panic!("seeding {name}: {e}"));
            arns.push(created.arn);
        }
        service
            .put_secret_value(
                &ctx,
                PutSecretValueInput {
                    secret_id: "prod/AppBeta/db".into(),
                    client_request_token: Some(format!("{:1>36}", 1)),
                    value: Some(SecretValue::Binary(vec![0, 1, 2])),
                    version_stages: Some(vec!["AWSPENDING".into(), "custom".into()]),
                    rotation_token: None,
                },
            )
            .await
            .expect("a second version");
        service
            .put_resource_policy(
                &ctx,
                "prod/AppBeta/db",
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:DeleteSecret","Resource":"*"}}"#.into(),
                None,
                true,
            )
            .await
            .expect("a resource policy");
        service
            .delete_secret(&ctx, "x", Some(7), false)
            .await
            .expect("a planned deletion");
        let mut elsewhere = admin();
        elsewhere.region = "eu-west-1".into();
        service
            .create_secret(
                &elsewhere,
                CreateSecretInput {
                    name: "prod/AppBeta/db".into(),
                    client_request_token: Some(format!("{:2>36}", 2)),
                    value: Some(SecretValue::String("eu".into())),
                    ..Default::default()
                },
            )
            .await
            .expect("a secret in another region");
        seed_kms_keys(&service, &ctx).await;
        let mut described = Vec::with_capacity(arns.len());
        for arn in &arns {
            described.push(service.describe_secret(&ctx, arn).await.expect("describe"));
        }
        described
    });
    Fixture {
        runtime,
        service,
        dry,
        secrets,
        _dir: dir,
    }
}

/// The KMS keys the `kms` target's seeds name, by alias (key ids are
/// random): one of each kind, and a disabled one.
pub(super) const KMS_KEYS: &[(&str, KeySpec, KeyUsage)] = &[
    (
        "alias/fuzz/symmetric",
        KeySpec::SymmetricDefault,
        KeyUsage::EncryptDecrypt,
    ),
    ("alias/fuzz/rsa", KeySpec::Rsa2048, KeyUsage::EncryptDecrypt),
    (
        "alias/fuzz/rsa-sign",
        KeySpec::Rsa2048,
        KeyUsage::SignVerify,
    ),
    ("alias/fuzz/ecc", KeySpec::EccNistP256, KeyUsage::SignVerify),
    (
        "alias/fuzz/hmac",
        KeySpec::Hmac256,
        KeyUsage::GenerateVerifyMac,
    ),
    (
        "alias/fuzz/disabled",
        KeySpec::SymmetricDefault,
        KeyUsage::EncryptDecrypt,
    ),
];

async fn seed_kms_keys(service: &Service, ctx: &RequestContext) {
    for (alias, spec, usage) in KMS_KEYS {
        let key = service
            .kms_create_key(
                ctx,
                CreateKeyInput {
                    key_spec: Some(*spec),
                    key_usage: Some(*usage),
                    description: Some(format!("fuzz {alias}")),
                    tags: vec![Tag {
                        key: "purpose".into(),
                        value: "fuzz".into(),
                    }],
                    ..Default::default()
                },
            )
            .await
            .unwrap_or_else(|e| panic!("creating the key of {alias}: {e}"));
        service
            .kms_create_alias(ctx, alias, &key.id)
            .await
            .unwrap_or_else(|e| panic!("creating {alias}: {e}"));
        if alias.ends_with("disabled") {
            service
                .kms_disable_key(ctx, &key.id)
                .await
                .expect("disabling a key");
        }
    }
}
