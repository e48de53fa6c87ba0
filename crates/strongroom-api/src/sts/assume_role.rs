//! AssumeRole: temporary credentials for a role session, if the role's
//! trust policy (and, when it only names the caller's account, the caller's
//! own policies) allow it.

use super::convert::{credentials, duration, name_member};
use crate::ApiError;
use crate::protocol::query::QueryRequest;
use crate::protocol::xml::XmlWriter;
use crate::validate;
use strongroom_domain::{Error, Tag};
use strongroom_iam::{Iam, NewSession, SessionSubject};
use strongroom_policy::{Context, Policy, PolicyKind, size_without_whitespace};
use strongroom_service::{
    PrincipalKind, RequestContext, ServiceError, add_request_tags, authorize_assume_role,
};

/// Default session length when DurationSeconds is absent.
const DEFAULT_DURATION: u32 = 3600;
/// A role session assuming another role (role chaining) lasts an hour at most.
const CHAINED_MAX_DURATION: u32 = 3600;
/// STS's room for the session policy and tags, in characters.
const PACKED_LIMIT: usize = 2048;

pub(super) async fn handle(
    iam: &Iam,
    ctx: &RequestContext,
    form: &QueryRequest,
    out: &mut XmlWriter,
) -> Result<(), ApiError> {
    let fields = form.fields();
    let role_arn = fields.required("RoleArn")?;
    validate::length(&fields.path("RoleArn"), role_arn, 20, 2048)?;
    let session_name = fields.required("RoleSessionName")?;
    name_member(&fields, "RoleSessionName", session_name, 2, 64)?;
    let duration = duration(&fields, "DurationSeconds", 900, 43_200)?;
    let external_id = fields.optional("ExternalId");
    if let Some(id) = external_id {
        validate::length(&fields.path("ExternalId"), id, 2, 1224)?;
    }
    if !fields.strings("PolicyArns").is_empty() || !fields.structures("PolicyArns").is_empty() {
        return Err(Error::Unsupported(
            "PolicyArns: managed session policies are not supported by this server; pass the policy inline as Policy.",
        )
        .into());
    }
    let policy_text = fields.optional("Policy");
    let session_policy = policy_text
        .map(|text| {
            Policy::parse(text, PolicyKind::Session)
                .map_err(|e| Error::MalformedPolicy(e.to_string()))
        })
        .transpose()?;
    let tags = session_tags(&fields)?;
    let packed = policy_text.map_or(0, size_without_whitespace)
        + tags
            .iter()
            .map(|t| t.key.len() + t.value.len())
            .sum::<usize>();
    if packed > PACKED_LIMIT {
        return Err(ApiError::PackedPolicyTooLarge {
            percent: packed * 100 / PACKED_LIMIT,
        });
    }

    // Resolve: the role the ARN names. A role that does not exist is
    // refused exactly like one the caller may not assume.
    let (account, role_name) = parse_role_arn(role_arn);
    let role = match (account, role_name) {
        (Some(account), Some(name)) => iam.role_identity(account, name)?,
        _ => None,
    };
    let not_authorized = || {
        ServiceError::AccessDenied(format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            ctx.principal.arn
        ))
    };
    let Some(role) = role else {
        return Err(not_authorized().into());
    };

    // Authorize: sts:AssumeRole, and sts:TagSession when tags are passed.
    let mut keys = Context::new();
    keys.set("sts:RoleSessionName", session_name);
    if let Some(id) = external_id {
        keys.set("sts:ExternalId", id);
    }
    add_request_tags(&mut keys, &tags);
    authorize_assume_role(
        ctx,
        &role.role_arn,
        &role.account,
        &role.trust_policy,
        "sts:AssumeRole",
        keys.clone(),
        role_arn,
    )?;
    if !tags.is_empty() {
        authorize_assume_role(
            ctx,
            &role.role_arn,
            &role.account,
            &role.trust_policy,
            "sts:TagSession",
            keys,
            role_arn,
        )?;
    }
    ctx.note_resource(&role.role_arn);

    let max = if ctx.principal.kind == PrincipalKind::AssumedRole {
        CHAINED_MAX_DURATION
    } else {
        role.max_session_duration
    };
    let duration = duration.unwrap_or(DEFAULT_DURATION.min(max));
    if duration > max {
        return Err(Error::Constraint {
            member: "durationSeconds".to_owned(),
            shown: String::new(),
            constraint: format!(
                "The requested DurationSeconds exceeds the {} set for this role.",
                if max == CHAINED_MAX_DURATION && ctx.principal.kind == PrincipalKind::AssumedRole {
                    "1 hour session limit for roles assumed by role chaining"
                } else {
                    "MaxSessionDuration"
                }
            ),
        }
        .into());
    }

    // Apply: issue the session.
    let creds = iam.issue_session(NewSession {
        account: role.account.clone(),
        subject: SessionSubject::Role {
            role_name: role.role_name.clone(),
            role_id: role.role_id.clone(),
            session_name: session_name.to_owned(),
            policy: session_policy
                .is_some()
                .then(|| policy_text.unwrap_or_default().to_owned()),
        },
        tags: tags.clone(),
        duration_seconds: duration,
    })?;
    credentials(out, &creds);
    out.element("AssumedRoleUser", |u| {
        u.text("AssumedRoleId", &format!("{}:{session_name}", role.role_id));
        u.text(
            "Arn",
            &format!(
                "arn:aws:sts::{}:assumed-role/{}/{session_name}",
                role.account, role.role_name
            ),
        );
    });
    if policy_text.is_some() || !tags.is_empty() {
        out.text(
            "PackedPolicySize",
            &(packed * 100 / PACKED_LIMIT).to_string(),
        );
    }
    Ok(())
}

/// `arn:aws:iam::ACCOUNT:role/path/NAME` → (ACCOUNT, NAME).
fn parse_role_arn(arn: &str) -> (Option<&str>, Option<&str>) {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return (None, None);
    };
    let name = resource
        .strip_prefix("role/")
        .and_then(|path_and_name| path_and_name.rsplit('/').next())
        .filter(|n| !n.is_empty());
    (Some(account), name)
}

/// The `Tags` member: at most 50, keys 1–128 and values 0–256 characters,
/// no key twice (keys compared without case, as STS does).
fn session_tags(fields: &crate::protocol::query::Fields<'_>) -> Result<Vec<Tag>, ApiError> {
    let items = fields.structures("Tags");
    validate::items(&fields.path("Tags"), items.len(), 0, 50)?;
    let mut tags: Vec<Tag> = Vec::with_capacity(items.len());
    for item in &items {
        let key = item.required("Key")?;
        validate::length(&item.path("Key"), key, 1, 128)?;
        let value = item.required("Value")?;
        validate::length(&item.path("Value"), value, 0, 256)?;
        if tags.iter().any(|t| t.key.eq_ignore_ascii_case(key)) {
            return Err(Error::Constraint {
                member: fields.path("Tags"),
                shown: String::new(),
                constraint:
                    "Duplicate tag keys found. Please note that Tag keys are case insensitive."
                        .to_owned(),
            }
            .into());
        }
        tags.push(Tag {
            key: key.to_owned(),
            value: value.to_owned(),
        });
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/app"),
            (Some("123456789012"), Some("app"))
        );
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/a/b/app"),
            (Some("123456789012"), Some("app"))
        );
        assert_eq!(parse_role_arn("arn:aws:iam::123456789012:user/app").1, None);
        assert_eq!(parse_role_arn("arn:aws:s3:::bucket"), (None, None));
        assert_eq!(parse_role_arn("nonsense").1, None);
    }
}
