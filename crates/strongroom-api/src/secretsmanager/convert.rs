//! Conversions shared by the Secrets Manager handlers: wire shapes to
//! service inputs (with the model's constraints) and service outputs to
//! wire shapes.

use super::shapes::*;
use crate::validate::*;
use strongroom_domain::filter::{Filter, FilterKey};
use strongroom_domain::tags::MAX_TAGS;
use strongroom_domain::{Error, Secret, SecretValue, Tag};
use strongroom_service::SecretValueOutput;

pub(super) fn secret_id(id: Option<String>) -> Result<String, Error> {
    let id = required("secretId", id)?;
    length("secretId", &id, 1, 2048)?;
    Ok(id)
}

pub(super) fn token(t: &Option<String>) -> Result<(), Error> {
    opt_length("clientRequestToken", t.as_deref(), 32, 64)
}

/// At most one of SecretString / SecretBinary, within size limits.
pub(super) fn secret_value(
    string: Option<String>,
    binary: Option<Blob>,
) -> Result<Option<SecretValue>, Error> {
    match (string, binary) {
        (Some(_), Some(_)) => Err(Error::BothSecretValues),
        (Some(s), None) => {
            byte_length("secretString", s.as_bytes(), 1, 65_536)?;
            Ok(Some(SecretValue::String(s)))
        }
        (None, Some(b)) => {
            byte_length("secretBinary", &b.0, 1, 65_536)?;
            Ok(Some(SecretValue::Binary(b.0)))
        }
        (None, None) => Ok(None),
    }
}

/// The tags of a CreateSecret or TagResource, refused as a whole when
/// there are more than a secret can hold, before anything else is done.
pub(super) fn tags(shapes: Vec<TagShape>) -> Result<Vec<Tag>, Error> {
    if shapes.len() > MAX_TAGS {
        return Err(Error::TooManyTags);
    }
    Ok(shapes
        .into_iter()
        .map(|t| Tag {
            key: t.key.unwrap_or_default(),
            value: t.value.unwrap_or_default(),
        })
        .collect())
}

pub(super) fn filters(shapes: Vec<FilterShape>) -> Result<Vec<Filter>, Error> {
    items("filters", shapes.len(), 0, 10)?;
    shapes
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let key_member = format!("filters.{}.member.key", i + 1);
            let key_name = required(&key_member, f.key)?;
            let key = FilterKey::parse(&key_name)
                .ok_or_else(|| not_in_enum(&key_member, &key_name, &FilterKey::WIRE_NAMES))?;
            let values_member = format!("filters.{}.member.values", i + 1);
            let values = required(&values_member, f.values)?;
            items(&values_member, values.len(), 1, 10)?;
            for v in &values {
                filter_value(&values_member, v)?;
            }
            Ok(Filter { key, values })
        })
        .collect()
}

pub(super) fn page_size(member: &str, v: Option<i64>, max: i64) -> Result<Option<usize>, Error> {
    opt_range(member, v, 1, max)?;
    Ok(v.map(|n| n as usize))
}

pub(super) fn value_response(v: SecretValueOutput) -> SecretValueResponse {
    let (secret_string, secret_binary) = match v.value {
        SecretValue::String(s) => (Some(s), None),
        SecretValue::Binary(b) => (None, Some(Blob(b))),
    };
    SecretValueResponse {
        arn: v.arn,
        name: v.name,
        version_id: v.version_id,
        secret_binary,
        secret_string,
        version_stages: v.version_stages,
        created_date: Date(v.created),
    }
}

/// Describe/List entry; `list` picks the label map's member name.
pub(super) fn secret_entry(s: Secret, list: bool) -> SecretEntry {
    let map = s.version_stage_map();
    let rotation = s.rotation.as_ref();
    let map = (!map.is_empty()).then_some(map);
    let (version_ids_to_stages, secret_versions_to_stages) =
        if list { (None, map) } else { (map, None) };
    SecretEntry {
        description: s.description,
        kms_key_id: s.kms_key_id,
        secret_type: s.secret_type,
        last_changed_date: Date(s.last_changed),
        last_accessed_date: date(s.last_accessed),
        deleted_date: date(s.deleted),
        tags: s.tags.map(|t| {
            t.into_iter()
                .map(|t| TagShape {
                    key: Some(t.key),
                    value: Some(t.value),
                })
                .collect()
        }),
        version_ids_to_stages,
        secret_versions_to_stages,
        created_date: Date(s.created),
        primary_region: None,
        rotation_enabled: rotation.map(|r| r.enabled),
        rotation_lambda_arn: rotation.and_then(|r| r.lambda_arn.clone()),
        rotation_rules: rotation
            .and_then(|r| r.rules.as_ref())
            .map(|r| RotationRulesShape {
                automatically_after_days: r.automatically_after_days,
                duration: r.duration.clone(),
                schedule_expression: r.schedule_expression.clone(),
            }),
        last_rotated_date: date(rotation.and_then(|r| r.last_rotated)),
        // only while rotation is on (CancelRotateSecret clears it)
        next_rotation_date: date(rotation.filter(|r| r.enabled).and_then(|r| r.next_rotation)),
        arn: s.arn,
        name: s.name,
    }
}

/// `[a-zA-Z0-9\-]+` (RotationTokenType; also ClientRequestToken's
/// character set is not constrained by the model, so only this one).
pub(super) fn rotation_token(t: Option<&str>) -> Result<(), Error> {
    let Some(t) = t else { return Ok(()) };
    opt_length("rotationToken", Some(t), 36, 256)?;
    if t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Ok(())
    } else {
        Err(Error::Constraint {
            member: "rotationToken".into(),
            shown: String::new(),
            constraint: "Member must satisfy regular expression pattern: ^[a-zA-Z0-9\\-]+$".into(),
        })
    }
}

/// A resource policy document member (1–20480 characters).
pub(super) fn resource_policy(policy: Option<String>) -> Result<String, Error> {
    let policy = required("resourcePolicy", policy)?;
    length("resourcePolicy", &policy, 1, 20_480)?;
    Ok(policy)
}

/// The optional PolicyName member.
pub(super) fn opt_policy_name(name: &Option<String>) -> Result<(), Error> {
    name.as_deref()
        .map_or(Ok(()), |n| policy_name("policyName", n))
}
