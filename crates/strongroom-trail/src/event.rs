//! One audit record in CloudTrail's event format (`eventVersion` 1.09):
//! what [`crate::Trail::record`] stores, what LookupEvents returns as its
//! `CloudTrailEvent` string, and what the index is built from.
//!
//! Field names and shapes follow CloudTrail's record contents reference;
//! absent optional fields are left out rather than written as `null`,
//! except `requestParameters` and `responseElements`, which CloudTrail
//! always writes.

use serde::{Deserialize, Serialize};

/// CloudTrail's record format version written by Strongroom.
pub const EVENT_VERSION: &str = "1.09";

/// One call (or one service event) as the audit trail records it.
///
/// Never holds a secret value, password, secret access key, session token
/// or key material: the wire layer redacts them before building it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrailEvent {
    pub event_version: String,
    pub user_identity: UserIdentity,
    /// `2026-12-01T17:46:39Z`: when the request arrived (seconds, UTC).
    pub event_time: String,
    /// `secretsmanager.amazonaws.com`, `iam.amazonaws.com`, …
    pub event_source: String,
    /// The operation, e.g. `GetSecretValue`.
    pub event_name: String,
    pub aws_region: String,
    #[serde(rename = "sourceIPAddress")]
    pub source_ip_address: String,
    pub user_agent: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// The request's members, redacted; `null` when it had none.
    pub request_parameters: Option<serde_json::Value>,
    /// The answer's members, redacted; `null` for reads and failures.
    pub response_elements: Option<serde_json::Value>,
    /// Strongroom's own additions (e.g. a flood summary's count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_event_data: Option<serde_json::Value>,
    #[serde(rename = "requestID", default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(rename = "eventID")]
    pub event_id: String,
    pub read_only: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Resource>,
    /// `AwsApiCall`, or `AwsServiceEvent` for what the service did on its own.
    pub event_type: String,
    pub management_event: bool,
    /// The account whose trail holds the event; `None` for a request that
    /// could not be tied to an account (an unknown access key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_account_id: Option<String>,
    pub event_category: String,
}

/// Who made the call (`userIdentity`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity {
    /// `IAMUser`, `AssumedRole`, `AWSService` or `Unknown`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    /// IAM users only (LookupEvents' `Username` comes from here, or from
    /// the session name of an assumed role).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_context: Option<SessionContext>,
    /// For `AWSService`: the service that acted, e.g. `secretsmanager.amazonaws.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoked_by: Option<String>,
}

/// Temporary credentials' context (`userIdentity.sessionContext`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionContext {
    /// The role an `AssumedRole` session belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_issuer: Option<SessionIssuer>,
    pub attributes: SessionAttributes,
}

/// `sessionContext.sessionIssuer`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionIssuer {
    /// `Role`.
    #[serde(rename = "type")]
    pub kind: String,
    pub principal_id: String,
    pub arn: String,
    pub account_id: String,
    /// The role's name.
    pub user_name: String,
}

/// `sessionContext.attributes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionAttributes {
    /// When the credentials were issued, `2026-12-01T17:46:39Z`.
    pub creation_date: String,
    /// `"false"`: Strongroom has no MFA.
    pub mfa_authenticated: String,
}

/// A resource the call acted on (`resources[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    #[serde(rename = "ARN")]
    pub arn: String,
    #[serde(rename = "accountId")]
    pub account_id: String,
    /// `AWS::SecretsManager::Secret`, `AWS::IAM::User`, …
    #[serde(rename = "type")]
    pub kind: String,
}

impl Resource {
    /// The resource's name as LookupEvents' `ResourceName` matches it, besides
    /// its ARN: for a secret its name (the ARN's last part without the
    /// random suffix; only existing secrets are listed as resources, and
    /// their ARNs always have one), for IAM entities the name after the
    /// last `/`.
    pub fn short_name(&self) -> Option<&str> {
        short_name_of(&self.kind, &self.arn)
    }
}

/// [`Resource::short_name`] of a resource of type `kind` named `arn`.
pub(crate) fn short_name_of<'a>(kind: &str, arn: &'a str) -> Option<&'a str> {
    let rest = arn.splitn(6, ':').nth(5)?;
    match kind {
        "AWS::SecretsManager::Secret" => {
            let name = rest.strip_prefix("secret:")?;
            // `name-AbCdEf`: an existing secret's ARN always ends in a
            // dash and six random letters or digits.
            let cut = name.len().checked_sub(7)?;
            let (base, suffix) = name.split_at_checked(cut)?;
            let random = suffix.strip_prefix('-')?;
            random
                .bytes()
                .all(|b| b.is_ascii_alphanumeric())
                .then_some(base)
        }
        _ => rest.rsplit('/').next(),
    }
}

impl TrailEvent {
    /// LookupEvents' `Username`: the IAM user's name, the role session's
    /// name, or the service's name for service events.
    pub fn username(&self) -> Option<&str> {
        let identity = &self.user_identity;
        username_of(
            &identity.kind,
            identity.user_name.as_deref(),
            identity.arn.as_deref(),
            identity.invoked_by.as_deref(),
        )
    }
}

/// [`TrailEvent::username`] from the identity's members (the index reads
/// them from stored records without building a `UserIdentity`).
pub(crate) fn username_of<'a>(
    kind: &str,
    user_name: Option<&'a str>,
    arn: Option<&'a str>,
    invoked_by: Option<&'a str>,
) -> Option<&'a str> {
    if user_name.is_some() {
        return user_name;
    }
    if kind == "AssumedRole" {
        return arn.and_then(|a| a.rsplit('/').next());
    }
    invoked_by
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(kind: &str, arn: &str) -> Resource {
        Resource {
            arn: arn.to_owned(),
            account_id: "000000000000".to_owned(),
            kind: kind.to_owned(),
        }
    }

    #[test]
    fn short_names() {
        let secret = resource(
            "AWS::SecretsManager::Secret",
            "arn:aws:secretsmanager:us-east-1:000000000000:secret:db/prod-AbCdEf",
        );
        assert_eq!(secret.short_name(), Some("db/prod"));
        let user = resource("AWS::IAM::User", "arn:aws:iam::000000000000:user/ops/alice");
        assert_eq!(user.short_name(), Some("alice"));
    }
}
