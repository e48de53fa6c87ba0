//! Building a call's CloudTrail record from what the pipeline learned.

use super::flood::Summary;
use super::redact;
use crate::protocol::query::iso_date;
use crate::record::{CallRecord, RequestBody};
use crate::route::{AwsService, Route};
use strongroom_domain::Timestamp;
use strongroom_service::{Principal, PrincipalKind};
use strongroom_trail::{
    EVENT_VERSION, Resource, SessionAttributes, SessionContext, SessionIssuer, TrailEvent,
    UserIdentity,
};

/// The record of one call.
pub fn call_event(call: &CallRecord<'_>) -> TrailEvent {
    let service = call.service.or(call.route.map(Route::service));
    let principal = call.context.map(|c| c.principal.as_ref()).or(call.claimed);
    let authenticated = call.context.is_some();
    let succeeded = call.error.is_none();
    let request_parameters = match call.request {
        // An unauthenticated body is not the caller's to put in the trail.
        _ if !authenticated => None,
        RequestBody::None => None,
        RequestBody::Json(body) => redact::json_members(body),
        RequestBody::Form(form) => redact::form_members(form),
    };
    let read_only = call.route.is_none_or(read_only);
    // Reads answer with what was read; the trail keeps what changed.
    let response_elements = match call.response {
        Some(body) if succeeded && !read_only => redact::json_members(body),
        _ => None,
    };
    let resources = match call.context {
        // A create that failed names an ARN that never existed.
        Some(_)
            if !succeeded
                && call
                    .route
                    .is_some_and(|r| r.operation().starts_with("Create")) =>
        {
            Vec::new()
        }
        Some(ctx) => ctx
            .noted_resources()
            .iter()
            .map(|arn| resource_of(arn))
            .collect(),
        None => Vec::new(),
    };
    TrailEvent {
        event_version: EVENT_VERSION.to_owned(),
        user_identity: identity(principal, call.access_key_id),
        event_time: iso_date(call.time),
        event_source: service
            .map_or("unknown", AwsService::event_source)
            .to_owned(),
        event_name: call.route.map_or("Unknown", Route::operation).to_owned(),
        aws_region: call
            .context
            .map(|c| c.region.as_str())
            .or(call.region)
            .unwrap_or(DEFAULT_REGION)
            .chars()
            .take(64)
            .collect(),
        source_ip_address: call.source_ip.map(|ip| ip.to_string()).unwrap_or_default(),
        user_agent: call
            .user_agent
            .unwrap_or_default()
            .chars()
            .take(512)
            .collect(),
        error_code: call.error_code.map(str::to_owned),
        error_message: call.error.map(|e| e.message()),
        request_parameters,
        response_elements,
        additional_event_data: None,
        request_id: Some(call.request_id.to_owned()),
        event_id: crate::random_uuid(),
        read_only,
        resources,
        event_type: "AwsApiCall".to_owned(),
        management_event: true,
        recipient_account_id: principal.map(|p| p.account.clone()),
        event_category: "Management".to_owned(),
    }
}

/// The region a record names when the request never said (refused before
/// its credential scope was read).
const DEFAULT_REGION: &str = "us-east-1";

/// Whether an operation only reads (CloudTrail's `readOnly`). STS's calls
/// change nothing in the account, and CloudTrail counts them as reads.
pub fn read_only(route: Route) -> bool {
    const READ_PREFIXES: &[&str] = &["Get", "List", "Describe", "BatchGet", "Validate", "Lookup"];
    route.service() == AwsService::Sts
        || matches!(route, Route::Kms(e) if crate::kms::uses_keys_only(e))
        || READ_PREFIXES
            .iter()
            .any(|p| route.operation().starts_with(p))
}

fn identity(principal: Option<&Principal>, access_key_id: Option<&str>) -> UserIdentity {
    let Some(p) = principal else {
        return UserIdentity {
            kind: "Unknown".to_owned(),
            access_key_id: access_key_id.map(|k| k.chars().take(128).collect()),
            ..UserIdentity::default()
        };
    };
    let attributes = || SessionAttributes {
        creation_date: p.token_issued.map(iso_date).unwrap_or_default(),
        mfa_authenticated: "false".to_owned(),
    };
    let mut identity = UserIdentity {
        kind: "IAMUser".to_owned(),
        principal_id: Some(p.id.clone()),
        arn: Some(p.arn.clone()),
        account_id: Some(p.account.clone()),
        access_key_id: Some(p.access_key_id.clone()),
        user_name: p.user_name.clone(),
        ..UserIdentity::default()
    };
    match (p.kind, &p.session) {
        (PrincipalKind::AssumedRole, Some(session)) => {
            identity.kind = "AssumedRole".to_owned();
            identity.user_name = None;
            identity.session_context = Some(SessionContext {
                session_issuer: Some(SessionIssuer {
                    kind: "Role".to_owned(),
                    // `aws:userid` of a session is `ROLEID:SESSION`.
                    principal_id: p.id.split(':').next().unwrap_or_default().to_owned(),
                    arn: session.role_arn.clone(),
                    account_id: p.account.clone(),
                    user_name: session.role_name.clone(),
                }),
                attributes: attributes(),
            });
        }
        (PrincipalKind::UserSession, _) => {
            identity.session_context = Some(SessionContext {
                session_issuer: None,
                attributes: attributes(),
            });
        }
        _ => {}
    }
    identity
}

/// A resource by its ARN, typed as CloudTrail types it.
fn resource_of(arn: &str) -> Resource {
    let mut parts = arn.splitn(6, ':');
    let service = parts.nth(2).unwrap_or_default();
    let account = parts.nth(1).unwrap_or_default();
    let rest = parts.next().unwrap_or_default();
    let kind = match (service, rest.split(['/', ':']).next().unwrap_or_default()) {
        ("secretsmanager", "secret") => "AWS::SecretsManager::Secret",
        ("iam", "user") => "AWS::IAM::User",
        ("iam", "role") => "AWS::IAM::Role",
        ("iam", "group") => "AWS::IAM::Group",
        ("iam", "policy") => "AWS::IAM::Policy",
        ("sts", "assumed-role") => "AWS::STS::AssumedRole",
        ("kms", "key") => "AWS::KMS::Key",
        ("kms", "alias") => "AWS::KMS::Alias",
        _ => "AWS::Unknown",
    };
    Resource {
        arn: arn.to_owned(),
        account_id: account.to_owned(),
        kind: kind.to_owned(),
    }
}

/// A summary of failures refused at authentication that were counted but
/// not recorded one by one.
pub fn flood_summary(summary: &Summary) -> TrailEvent {
    TrailEvent {
        event_version: EVENT_VERSION.to_owned(),
        user_identity: UserIdentity {
            kind: "Unknown".to_owned(),
            ..UserIdentity::default()
        },
        event_time: iso_date(Timestamp(summary.window_end_ms)),
        event_source: summary.key.event_source.to_owned(),
        event_name: "UnauthenticatedRequestsSummary".to_owned(),
        aws_region: DEFAULT_REGION.to_owned(),
        source_ip_address: summary
            .key
            .source_ip
            .map(|ip| ip.to_string())
            .unwrap_or_else(|| "various".to_owned()),
        user_agent: String::new(),
        error_code: Some(summary.key.error_code.to_owned()),
        error_message: Some(format!(
            "{} more requests refused at authentication were not recorded one by one",
            summary.suppressed
        )),
        request_parameters: None,
        response_elements: None,
        additional_event_data: Some(serde_json::json!({
            "suppressedCount": summary.suppressed,
            "windowStart": iso_date(Timestamp(summary.window_start_ms)),
            "windowEnd": iso_date(Timestamp(summary.window_end_ms)),
        })),
        request_id: None,
        event_id: crate::random_uuid(),
        read_only: true,
        resources: Vec::new(),
        event_type: "AwsApiCall".to_owned(),
        management_event: true,
        recipient_account_id: None,
        event_category: "Management".to_owned(),
    }
}

/// A record of something the service did on its own (`AwsServiceEvent`),
/// e.g. purging a secret at the end of its recovery window.
pub fn service_event(
    source: AwsService,
    name: &str,
    account: &str,
    region: &str,
    time: Timestamp,
    resources: &[String],
    additional: Option<serde_json::Value>,
) -> TrailEvent {
    TrailEvent {
        event_version: EVENT_VERSION.to_owned(),
        user_identity: UserIdentity {
            kind: "AWSService".to_owned(),
            account_id: Some(account.to_owned()),
            invoked_by: Some(source.event_source().to_owned()),
            ..UserIdentity::default()
        },
        event_time: iso_date(time),
        event_source: source.event_source().to_owned(),
        event_name: name.to_owned(),
        aws_region: region.to_owned(),
        source_ip_address: source.event_source().to_owned(),
        user_agent: source.event_source().to_owned(),
        error_code: None,
        error_message: None,
        request_parameters: None,
        response_elements: None,
        additional_event_data: additional,
        request_id: None,
        event_id: crate::random_uuid(),
        read_only: false,
        resources: resources.iter().map(|a| resource_of(a)).collect(),
        event_type: "AwsServiceEvent".to_owned(),
        management_event: true,
        recipient_account_id: Some(account.to_owned()),
        event_category: "Management".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_are_typed_by_arn() {
        let secret = resource_of("arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf");
        assert_eq!(secret.kind, "AWS::SecretsManager::Secret");
        assert_eq!(secret.account_id, "111122223333");
        assert_eq!(
            resource_of("arn:aws:iam::111122223333:role/ops/deploy").kind,
            "AWS::IAM::Role"
        );
        assert_eq!(
            resource_of("arn:aws:iam::111122223333:user/alice").kind,
            "AWS::IAM::User"
        );
    }

    #[test]
    fn reads_are_read_only() {
        use crate::{iam, secretsmanager, sts};
        assert!(read_only(Route::SecretsManager(
            secretsmanager::Endpoint::GetSecretValue
        )));
        assert!(read_only(Route::SecretsManager(
            secretsmanager::Endpoint::BatchGetSecretValue
        )));
        assert!(!read_only(Route::SecretsManager(
            secretsmanager::Endpoint::PutSecretValue
        )));
        assert!(!read_only(Route::Iam(iam::Endpoint::CreateUser)));
        assert!(read_only(Route::Sts(sts::Endpoint::AssumeRole)));
    }
}
