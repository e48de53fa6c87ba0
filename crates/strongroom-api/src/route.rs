//! Which AWS service and operation a request is for.
//!
//! JSON 1.1 services name both in `X-Amz-Target` (`secretsmanager.GetSecretValue`);
//! the Query services (IAM, STS) name the operation in the form field
//! `Action` and the service only in the credential scope.

use crate::ApiError;
use crate::secretsmanager;

/// The AWS services served on this listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsService {
    SecretsManager,
}

impl AwsService {
    /// The service name in SigV4 credential scopes.
    pub fn signing_name(self) -> &'static str {
        match self {
            AwsService::SecretsManager => "secretsmanager",
        }
    }

    /// CloudTrail's `eventSource` for the service.
    pub fn event_source(self) -> &'static str {
        match self {
            AwsService::SecretsManager => "secretsmanager.amazonaws.com",
        }
    }
}

/// A routed request: the service and its typed endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    SecretsManager(secretsmanager::Endpoint),
}

impl Route {
    /// Routes a JSON 1.1 request by its `X-Amz-Target` header.
    pub fn from_target(target: &str) -> Result<Route, ApiError> {
        let unknown = || ApiError::UnknownOperation(target.chars().take(128).collect());
        if let Some(name) = target.strip_prefix(secretsmanager::TARGET_PREFIX) {
            return secretsmanager::Endpoint::from_name(name)
                .map(Route::SecretsManager)
                .ok_or_else(unknown);
        }
        Err(unknown())
    }

    pub fn service(self) -> AwsService {
        match self {
            Route::SecretsManager(_) => AwsService::SecretsManager,
        }
    }

    /// The operation's AWS name (CloudTrail's `eventName`).
    pub fn operation(self) -> &'static str {
        match self {
            Route::SecretsManager(e) => e.name(),
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
    }
}
