//! Built-in rotators: rotation functions that run inside the server, named
//! by reserved RotationLambdaARNs (any partition, region and account):
//!
//! - `arn:aws:lambda:REGION:ACCOUNT:function:strongroom.builtin.random-password`
//! - `…:function:strongroom.builtin.postgresql-single-user`
//! - `…:function:strongroom.builtin.postgresql-alternating-users`
//!
//! Lambda function names cannot contain `.`, so no real function collides.
//! [`Functions`] is the server's one [`RotationFunctions`]: it sends these
//! ARNs here and every other to the Lambda Invoke API client, so a built-in
//! runs the same four steps with the same DryRun, retries, timeout and
//! audit events as a function.
//!
//! A rotator acts as a Lambda function would, with a role of its own: the
//! principal `arn:aws:sts::ACCOUNT:assumed-role/strongroom-builtin-rotator/NAME`
//! in the secret's account, whose identity policy allows reading and
//! writing the rotated secret (and reading others: the master secret). It
//! goes through the service functions, so authorization (a resource
//! policy's Deny) and the domain rules apply as to any caller. Its calls
//! are not recorded one by one; the run's RotationStarted / Succeeded /
//! Failed events are, a failure with its message.

mod options;
mod postgres;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;
use strongroom_domain::password::{self, PasswordSpec};
use strongroom_domain::{AWSCURRENT, AWSPENDING, Secret, SecretValue};
use strongroom_service::{
    GetSecretValueInput, Invocation, InvokeError, Principal, PrincipalKind, PutSecretValueInput,
    RequestContext, RoleSession, RotationFunctions, Service, ServiceError,
};

type JsonObject = serde_json::Map<String, serde_json::Value>;

/// The reserved function names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    RandomPassword,
    PostgresSingleUser,
    PostgresAlternatingUsers,
}

impl Builtin {
    const ALL: [Builtin; 3] = [
        Builtin::RandomPassword,
        Builtin::PostgresSingleUser,
        Builtin::PostgresAlternatingUsers,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Builtin::RandomPassword => "strongroom.builtin.random-password",
            Builtin::PostgresSingleUser => "strongroom.builtin.postgresql-single-user",
            Builtin::PostgresAlternatingUsers => "strongroom.builtin.postgresql-alternating-users",
        }
    }

    /// The built-in a function ARN names: `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME`
    /// (no qualifier).
    pub fn of(function_arn: &str) -> Option<Builtin> {
        let parts: Vec<&str> = function_arn.splitn(7, ':').collect();
        match parts.as_slice() {
            ["arn", _, "lambda", _, _, "function", name] => {
                Builtin::ALL.into_iter().find(|b| b.name() == *name)
            }
            _ => None,
        }
    }

    /// The password options a rotator starts from, before the secret's tags.
    fn password_defaults(self) -> PasswordSpec {
        match self {
            Builtin::RandomPassword => PasswordSpec::default(),
            _ => PasswordSpec {
                exclude_characters: options::DATABASE_EXCLUDED.to_owned(),
                ..PasswordSpec::default()
            },
        }
    }
}

/// Why a built-in's step failed. Messages never carry a secret value.
#[derive(Debug, thiserror::Error)]
pub enum RotatorError {
    #[error("the rotator was not wired to the service")]
    NotWired,
    #[error("{0} is not a secret ARN")]
    NotASecretArn(String),
    #[error("rotation is not enabled for the secret")]
    NotEnabled,
    #[error("version {0} is not AWSPENDING for this rotation")]
    NotPending(String),
    #[error("{what}: {source}")]
    Service {
        what: &'static str,
        #[source]
        source: ServiceError,
    },
    #[error("the {stage} value is binary; a JSON object (SecretString) is needed")]
    Binary { stage: &'static str },
    #[error("the {stage} value is not a JSON object")]
    NotJson { stage: &'static str },
    #[error("the {stage} value has no {field:?} field of the right type")]
    MissingField {
        stage: &'static str,
        field: &'static str,
    },
    #[error("engine {0:?} is not postgres")]
    Engine(String),
    #[error("tag {key:?} has a value that is not a valid option ({value:?})")]
    BadOption { key: String, value: String },
    #[error("the password options cannot be met: {0}")]
    Password(#[from] strongroom_domain::Error),
    #[error("{0}")]
    Database(String),
    #[error("{0}")]
    Refused(String),
}

impl RotatorError {
    fn service(what: &'static str) -> impl FnOnce(ServiceError) -> RotatorError {
        move |source| RotatorError::Service { what, source }
    }
}

/// The server's rotation functions: built-ins in process, the rest
/// through the Lambda Invoke API.
pub struct Functions {
    lambda: Arc<dyn RotationFunctions>,
    service: OnceLock<Weak<Service>>,
    timeout: Duration,
}

impl Functions {
    pub fn new(lambda: Arc<dyn RotationFunctions>, timeout: Duration) -> Functions {
        Functions {
            lambda,
            service: OnceLock::new(),
            timeout,
        }
    }

    /// The service the built-ins act on (weak: the service holds these
    /// functions).
    pub fn attach(&self, service: &Arc<Service>) {
        let _ = self.service.set(Arc::downgrade(service));
    }

    async fn run_builtin(
        &self,
        builtin: Builtin,
        invocation: Invocation,
    ) -> Result<(), RotatorError> {
        let Invocation::Step {
            step,
            secret_id,
            client_request_token,
            ..
        } = invocation
        else {
            return Ok(()); // DryRun: a built-in can always be invoked
        };
        let service = self
            .service
            .get()
            .and_then(Weak::upgrade)
            .ok_or(RotatorError::NotWired)?;
        let run = Run::new(service, builtin, &secret_id, client_request_token)?;
        run.step(step).await
    }
}

impl RotationFunctions for Functions {
    fn invoke<'a>(
        &'a self,
        function_arn: &'a str,
        invocation: Invocation,
    ) -> Pin<Box<dyn Future<Output = Result<(), InvokeError>> + Send + 'a>> {
        let Some(builtin) = Builtin::of(function_arn) else {
            return self.lambda.invoke(function_arn, invocation);
        };
        Box::pin(async move {
            match tokio::time::timeout(self.timeout, self.run_builtin(builtin, invocation)).await {
                Err(_) => Err(InvokeError::Timeout),
                Ok(Err(e)) => Err(InvokeError::Builtin(e.to_string())),
                Ok(Ok(())) => Ok(()),
            }
        })
    }
}

/// The rotator's own principal, in the secret's account and region.
fn rotator_context(secret_arn: &str, builtin: Builtin) -> Result<RequestContext, RotatorError> {
    let parts: Vec<&str> = secret_arn.splitn(7, ':').collect();
    let [
        "arn",
        partition,
        "secretsmanager",
        region,
        account,
        "secret",
        _,
    ] = parts.as_slice()
    else {
        return Err(RotatorError::NotASecretArn(secret_arn.to_owned()));
    };
    const ROLE: &str = "strongroom-builtin-rotator";
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow",
             "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
                        "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
             "Resource": secret_arn},
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
        ]
    });
    let policy = strongroom_policy::Policy::parse(
        &policy.to_string(),
        strongroom_policy::PolicyKind::Identity,
    )
    .map_err(|e| RotatorError::Refused(format!("the rotator's policy: {e}")))?;
    let role_arn = format!("arn:{partition}:iam::{account}:role/{ROLE}");
    let now = strongroom_domain::Timestamp(jiff::Timestamp::now().as_millisecond());
    Ok(RequestContext {
        request_id: format!("rotator-{}", builtin.name()),
        principal: Arc::new(Principal {
            account: (*account).to_owned(),
            arn: format!(
                "arn:{partition}:sts::{account}:assumed-role/{ROLE}/{}",
                builtin.name()
            ),
            kind: PrincipalKind::AssumedRole,
            id: format!("AROASTRONGROOMROTATOR:{}", builtin.name()),
            user_name: None,
            tags: Vec::new(),
            access_key_id: String::new(),
            session: Some(RoleSession {
                role_arn,
                role_name: ROLE.to_owned(),
                session_name: builtin.name().to_owned(),
                expires: strongroom_domain::Timestamp(i64::MAX),
            }),
            policies: vec![Arc::new(policy)],
            session_policy: None,
            token_issued: None,
            condition_keys: Default::default(),
        }),
        region: (*region).to_owned(),
        source_ip: None,
        user_agent: Some("secretsmanager.amazonaws.com".to_owned()),
        secure_transport: true,
        time: now,
        resources: Default::default(),
    })
}

/// One step of one built-in on one secret.
struct Run {
    service: Arc<Service>,
    builtin: Builtin,
    ctx: RequestContext,
    arn: String,
    token: String,
}

impl Run {
    fn new(
        service: Arc<Service>,
        builtin: Builtin,
        arn: &str,
        token: String,
    ) -> Result<Run, RotatorError> {
        let ctx = rotator_context(arn, builtin)?;
        Ok(Run {
            service,
            builtin,
            ctx,
            arn: arn.to_owned(),
            token,
        })
    }

    /// AWS's templates' checks first: rotation enabled, the token's version
    /// AWSPENDING; a step whose version is already AWSCURRENT is done.
    async fn step(&self, step: &str) -> Result<(), RotatorError> {
        let secret = self.describe().await?;
        if !secret.rotation.as_ref().is_some_and(|r| r.enabled) {
            return Err(RotatorError::NotEnabled);
        }
        if secret.holder_of(AWSCURRENT) == Some(self.token.as_str()) {
            return Ok(());
        }
        if secret.holder_of(AWSPENDING) != Some(self.token.as_str()) {
            return Err(RotatorError::NotPending(self.token.clone()));
        }
        let options = options::parse(
            secret.tags.as_deref().unwrap_or_default(),
            self.builtin.password_defaults(),
        )?;
        let pending_has_value = secret.version(&self.token).is_some_and(|v| v.has_value);
        match (step, self.builtin) {
            ("createSecret", _) if pending_has_value => Ok(()),
            ("createSecret", Builtin::RandomPassword) => {
                let mut value = self.json(AWSCURRENT).await?;
                let new = password::generate(&options.password)?;
                value.insert(options.field, serde_json::Value::String(new));
                self.put_pending(&value).await
            }
            ("createSecret", _) => {
                let current = self.json(AWSCURRENT).await?;
                let new = password::generate(&options.password)?;
                let value = postgres::pending_value(
                    current,
                    new,
                    self.builtin == Builtin::PostgresAlternatingUsers,
                )?;
                self.put_pending(&value).await
            }
            ("setSecret", Builtin::PostgresSingleUser) => postgres::set_single_user(self).await,
            ("setSecret", Builtin::PostgresAlternatingUsers) => {
                postgres::set_alternating_users(self).await
            }
            // A test-only run (RotateImmediately=false) has no pending value
            // yet: it tests the configuration with the current one.
            ("testSecret", Builtin::PostgresSingleUser | Builtin::PostgresAlternatingUsers) => {
                let stage = if pending_has_value {
                    AWSPENDING
                } else {
                    AWSCURRENT
                };
                postgres::test(&self.json(stage).await?, stage).await
            }
            ("testSecret", Builtin::RandomPassword) if pending_has_value => {
                self.json(AWSPENDING).await.map(drop)
            }
            ("finishSecret", _) => self.finish(&secret).await,
            _ => Ok(()),
        }
    }

    async fn describe(&self) -> Result<Secret, RotatorError> {
        self.service
            .describe_secret(&self.ctx, &self.arn)
            .await
            .map_err(RotatorError::service("describing the secret"))
    }

    /// This secret's value under `stage` (AWSPENDING: this run's version),
    /// as a JSON object.
    async fn json(&self, stage: &'static str) -> Result<JsonObject, RotatorError> {
        let version_id = (stage == AWSPENDING).then(|| self.token.clone());
        self.json_of(&self.arn, stage, version_id).await
    }

    /// `secret_id`'s value under `stage`, as a JSON object; `None` when the
    /// secret has no version under that label.
    async fn json_of(
        &self,
        secret_id: &str,
        stage: &'static str,
        version_id: Option<String>,
    ) -> Result<JsonObject, RotatorError> {
        let input = GetSecretValueInput {
            secret_id: secret_id.to_owned(),
            version_id,
            version_stage: Some(stage.to_owned()),
        };
        let out = self
            .service
            .get_secret_value(&self.ctx, &input)
            .await
            .map_err(RotatorError::service("reading the secret's value"))?;
        let SecretValue::String(text) = &out.value else {
            return Err(RotatorError::Binary { stage });
        };
        match serde_json::from_str(text) {
            Ok(serde_json::Value::Object(map)) => Ok(map),
            _ => Err(RotatorError::NotJson { stage }),
        }
    }

    /// Whether `stage` labels a version of this secret.
    async fn has_stage(&self, stage: &str) -> Result<bool, RotatorError> {
        Ok(self.describe().await?.holder_of(stage).is_some())
    }

    async fn put_pending(&self, value: &JsonObject) -> Result<(), RotatorError> {
        let text = serde_json::to_string(value)
            .map_err(|_| RotatorError::NotJson { stage: AWSPENDING })?;
        self.service
            .put_secret_value(
                &self.ctx,
                PutSecretValueInput {
                    secret_id: self.arn.clone(),
                    client_request_token: Some(self.token.clone()),
                    value: Some(SecretValue::String(text)),
                    version_stages: Some(vec![AWSPENDING.to_owned()]),
                    rotation_token: None,
                },
            )
            .await
            .map(drop)
            .map_err(RotatorError::service("putting the new value"))
    }

    /// finishSecret: AWSCURRENT moves to this run's version.
    async fn finish(&self, secret: &Secret) -> Result<(), RotatorError> {
        let current = secret.holder_of(AWSCURRENT).map(str::to_owned);
        self.service
            .update_secret_version_stage(
                &self.ctx,
                &self.arn,
                AWSCURRENT,
                current,
                Some(self.token.clone()),
            )
            .await
            .map(drop)
            .map_err(RotatorError::service("moving AWSCURRENT"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_arns_in_any_region_and_account() {
        for b in Builtin::ALL {
            let arn = format!(
                "arn:aws:lambda:eu-west-1:111122223333:function:{}",
                b.name()
            );
            assert_eq!(Builtin::of(&arn), Some(b));
            let arn = format!("arn:aws-cn:lambda:cn-north-1:1:function:{}", b.name());
            assert_eq!(Builtin::of(&arn), Some(b));
        }
        for other in [
            "arn:aws:lambda:us-east-1:1:function:random-password",
            "arn:aws:lambda:us-east-1:1:function:strongroom.builtin.random-password:v1",
            "arn:aws:iam::1:role/strongroom.builtin.random-password",
            "strongroom.builtin.random-password",
        ] {
            assert_eq!(Builtin::of(other), None, "{other}");
        }
    }
}
