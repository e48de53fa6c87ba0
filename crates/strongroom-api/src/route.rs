//! Which AWS service and operation a request is for.
//!
//! JSON 1.1 services name both in `X-Amz-Target` (`secretsmanager.GetSecretValue`);
//! the Query services (IAM, STS) name the operation in the form field
//! `Action` (with the API `Version`) and the service only in the credential
//! scope, which is why a Query request's service is known from its
//! signature, before it is authenticated, and its operation only after.

use crate::protocol::query::QueryRequest;
use crate::{ApiError, cloudtrail, iam, kms, secretsmanager, sts};
use strongroom_auth::AuthError;

/// The AWS services served on this listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsService {
    SecretsManager,
    Sts,
    Iam,
    CloudTrail,
    Kms,
}

/// The services that speak the Query protocol, by signing name: a Query
/// request's credential scope must name one of them.
const QUERY_SERVICES: &[&str] = &["sts", "iam"];

/// Cuts a client-supplied name down before it goes into an error message.
fn shorten(name: &str) -> String {
    name.chars().take(128).collect()
}

impl AwsService {
    /// The service name in SigV4 credential scopes.
    pub fn signing_name(self) -> &'static str {
        match self {
            AwsService::SecretsManager => "secretsmanager",
            AwsService::Sts => "sts",
            AwsService::Iam => "iam",
            AwsService::CloudTrail => "cloudtrail",
            AwsService::Kms => "kms",
        }
    }

    /// CloudTrail's `eventSource` for the service.
    pub fn event_source(self) -> &'static str {
        match self {
            AwsService::SecretsManager => "secretsmanager.amazonaws.com",
            AwsService::Sts => "sts.amazonaws.com",
            AwsService::Iam => "iam.amazonaws.com",
            AwsService::CloudTrail => "cloudtrail.amazonaws.com",
            AwsService::Kms => "kms.amazonaws.com",
        }
    }

    /// The API version of the service's model (a Query request's `Version`).
    pub fn api_version(self) -> &'static str {
        match self {
            AwsService::SecretsManager => "2017-10-17",
            AwsService::Sts => sts::API_VERSION,
            AwsService::Iam => iam::API_VERSION,
            AwsService::CloudTrail => "2013-11-01",
            AwsService::Kms => "2014-11-01",
        }
    }

    /// The `xmlns` of a Query service's answers; JSON services have none.
    pub fn xml_namespace(self) -> Option<&'static str> {
        match self {
            AwsService::SecretsManager | AwsService::CloudTrail | AwsService::Kms => None,
            AwsService::Sts => Some("https://sts.amazonaws.com/doc/2011-06-15/"),
            AwsService::Iam => Some("https://iam.amazonaws.com/doc/2010-05-08/"),
        }
    }

    /// The service a JSON 1.1 request is for, by its `X-Amz-Target` prefix.
    /// Secrets Manager takes every other target, unknown ones included:
    /// those are refused by [`Route::from_target`] once the request is
    /// authenticated.
    pub fn for_target(target: &str) -> AwsService {
        if target.starts_with(cloudtrail::TARGET_PREFIX) {
            AwsService::CloudTrail
        } else if target.starts_with(kms::TARGET_PREFIX) {
            AwsService::Kms
        } else {
            AwsService::SecretsManager
        }
    }

    /// The service a Query request is for: the one its credential scope
    /// names.
    pub fn for_query_scope(scope_service: &str) -> Result<AwsService, AuthError> {
        match scope_service {
            "sts" => Ok(AwsService::Sts),
            "iam" => Ok(AwsService::Iam),
            _ => Err(AuthError::UnexpectedService(QUERY_SERVICES)),
        }
    }
}

/// A routed request: the service and its typed endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    SecretsManager(secretsmanager::Endpoint),
    Sts(sts::Endpoint),
    Iam(iam::Endpoint),
    CloudTrail(cloudtrail::Endpoint),
    Kms(kms::Endpoint),
}

impl Route {
    /// Routes a JSON 1.1 request by its `X-Amz-Target` header.
    pub fn from_target(target: &str) -> Result<Route, ApiError> {
        let unknown = || ApiError::UnknownOperation(shorten(target));
        if let Some(name) = target.strip_prefix(secretsmanager::TARGET_PREFIX) {
            return secretsmanager::Endpoint::from_name(name)
                .map(Route::SecretsManager)
                .ok_or_else(unknown);
        }
        if let Some(name) = target.strip_prefix(kms::TARGET_PREFIX) {
            return kms::Endpoint::from_name(name)
                .map(Route::Kms)
                .ok_or_else(unknown);
        }
        if let Some(name) = target.strip_prefix(cloudtrail::TARGET_PREFIX) {
            return cloudtrail::Endpoint::from_name(name)
                .map(Route::CloudTrail)
                .ok_or_else(unknown);
        }
        Err(unknown())
    }

    /// Routes a Query request of `service` (from its credential scope) by
    /// its `Action` and `Version` fields. Another API version's operation
    /// is as unknown as a misspelled one, as AWS treats it.
    pub fn from_query(service: AwsService, form: &QueryRequest) -> Result<Route, ApiError> {
        let action = form.action().ok_or(ApiError::MissingAction)?;
        let version = form.version();
        let invalid = || ApiError::InvalidAction {
            action: shorten(action),
            // AWS's own placeholder when the field is absent.
            version: version.map_or_else(|| "NO_VERSION_SPECIFIED".to_owned(), shorten),
        };
        if version != Some(service.api_version()) {
            return Err(invalid());
        }
        match service {
            AwsService::Sts => sts::Endpoint::from_name(action)
                .map(Route::Sts)
                .ok_or_else(invalid),
            AwsService::Iam => iam::Endpoint::from_name(action)
                .map(Route::Iam)
                .ok_or_else(invalid),
            // These speak JSON 1.1 only.
            AwsService::SecretsManager | AwsService::CloudTrail | AwsService::Kms => Err(invalid()),
        }
    }

    pub fn service(self) -> AwsService {
        match self {
            Route::SecretsManager(_) => AwsService::SecretsManager,
            Route::Sts(_) => AwsService::Sts,
            Route::Iam(_) => AwsService::Iam,
            Route::CloudTrail(_) => AwsService::CloudTrail,
            Route::Kms(_) => AwsService::Kms,
        }
    }

    /// The operation's AWS name (CloudTrail's `eventName`).
    pub fn operation(self) -> &'static str {
        match self {
            Route::SecretsManager(e) => e.name(),
            Route::Sts(e) => e.name(),
            Route::Iam(e) => e.name(),
            Route::CloudTrail(e) => e.name(),
            Route::Kms(e) => e.name(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            Route::from_target("secretsmanager.GetSecretValue").unwrap(),
            Route::SecretsManager(secretsmanager::Endpoint::GetSecretValue)
        );
        assert!(matches!(
            Route::from_target("secretsmanager.Nope"),
            Err(ApiError::UnknownOperation(_))
        ));
        assert!(matches!(
            Route::from_target("kms.Encrypt"),
            Err(ApiError::UnknownOperation(_))
        ));
        assert_eq!(
            Route::from_target("TrentService.Encrypt").unwrap(),
            Route::Kms(kms::Endpoint::Encrypt)
        );
        assert!(matches!(
            Route::from_target("TrentService.ImportKeyMaterial"),
            Err(ApiError::UnknownOperation(_))
        ));
        assert_eq!(
            AwsService::for_target("TrentService.CreateGrant"),
            AwsService::Kms
        );
        assert_eq!(
            Route::from_target(
                "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"
            )
            .unwrap(),
            Route::CloudTrail(cloudtrail::Endpoint::LookupEvents)
        );
        assert_eq!(
            AwsService::for_target(
                "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"
            ),
            AwsService::CloudTrail
        );
    }

    fn query(service: AwsService, body: &str) -> Result<Route, ApiError> {
        Route::from_query(service, &QueryRequest::parse(body.as_bytes()).unwrap())
    }

    fn invalid_action(r: Result<Route, ApiError>) -> String {
        match r {
            Err(e @ ApiError::InvalidAction { .. }) => e.to_string(),
            other => panic!("expected InvalidAction, got {other:?}"),
        }
    }

    #[test]
    fn query_actions() {
        assert_eq!(
            query(
                AwsService::Sts,
                "Action=GetCallerIdentity&Version=2011-06-15"
            )
            .unwrap(),
            Route::Sts(sts::Endpoint::GetCallerIdentity)
        );
        assert_eq!(
            invalid_action(query(AwsService::Sts, "Action=Nope&Version=2011-06-15")),
            "Could not find operation Nope for version 2011-06-15"
        );
        // IAM's version sent to STS: another API's operation.
        assert_eq!(
            invalid_action(query(
                AwsService::Sts,
                "Action=GetCallerIdentity&Version=2010-05-08"
            )),
            "Could not find operation GetCallerIdentity for version 2010-05-08"
        );
        assert_eq!(
            invalid_action(query(AwsService::Sts, "Action=GetCallerIdentity")),
            "Could not find operation GetCallerIdentity for version NO_VERSION_SPECIFIED"
        );
        assert_eq!(
            query(AwsService::Iam, "Action=ListUsers&Version=2010-05-08").unwrap(),
            Route::Iam(iam::Endpoint::ListUsers)
        );
        // An IAM operation this server does not implement, and an STS one
        // sent to IAM, are unknown.
        assert_eq!(
            invalid_action(query(
                AwsService::Iam,
                "Action=CreateLoginProfile&Version=2010-05-08"
            )),
            "Could not find operation CreateLoginProfile for version 2010-05-08"
        );
        assert_eq!(
            invalid_action(query(
                AwsService::Iam,
                "Action=GetCallerIdentity&Version=2010-05-08"
            )),
            "Could not find operation GetCallerIdentity for version 2010-05-08"
        );
        assert_eq!(
            invalid_action(query(
                AwsService::Iam,
                "Action=ListUsers&Version=2011-06-15"
            )),
            "Could not find operation ListUsers for version 2011-06-15"
        );
        assert!(matches!(
            query(AwsService::Sts, "Version=2011-06-15"),
            Err(ApiError::MissingAction)
        ));
        assert!(matches!(
            query(AwsService::Sts, "Action=&Version=2011-06-15"),
            Err(ApiError::MissingAction)
        ));
    }

    #[test]
    fn query_scopes() {
        assert_eq!(AwsService::for_query_scope("sts"), Ok(AwsService::Sts));
        assert_eq!(AwsService::for_query_scope("iam"), Ok(AwsService::Iam));
        assert_eq!(
            AwsService::for_query_scope("secretsmanager"),
            Err(AuthError::UnexpectedService(QUERY_SERVICES))
        );
    }
}
