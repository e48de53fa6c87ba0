//! One handler per operation: decode the wire shape, check the model's
//! constraints, call the service, encode the answer.

use crate::ApiError;
use crate::shapes::*;
use crate::validate::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use strongroom_domain::filter::{Filter, FilterKey};
use strongroom_domain::password::PasswordSpec;
use strongroom_domain::{Error, Secret, SecretValue, Tag};
use strongroom_service::{
    BatchGetInput, Caller, CreateSecretInput, GetSecretValueInput, ListSecretsInput,
    ListVersionsInput, PutSecretValueInput, SecretValueOutput, Service, SortBy, UpdateSecretInput,
};

/// The operations this server implements (`X-Amz-Target: secretsmanager.<Op>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    CreateSecret,
    GetSecretValue,
    PutSecretValue,
    UpdateSecret,
    DescribeSecret,
    ListSecrets,
    ListSecretVersionIds,
    UpdateSecretVersionStage,
    DeleteSecret,
    RestoreSecret,
    TagResource,
    UntagResource,
    GetRandomPassword,
    BatchGetSecretValue,
}

impl Operation {
    /// Parses the `X-Amz-Target` header value.
    pub fn from_target(target: &str) -> Result<Operation, ApiError> {
        let unknown = || ApiError::UnknownOperation(target.chars().take(128).collect());
        let name = target.strip_prefix("secretsmanager.").ok_or_else(unknown)?;
        Ok(match name {
            "CreateSecret" => Operation::CreateSecret,
            "GetSecretValue" => Operation::GetSecretValue,
            "PutSecretValue" => Operation::PutSecretValue,
            "UpdateSecret" => Operation::UpdateSecret,
            "DescribeSecret" => Operation::DescribeSecret,
            "ListSecrets" => Operation::ListSecrets,
            "ListSecretVersionIds" => Operation::ListSecretVersionIds,
            "UpdateSecretVersionStage" => Operation::UpdateSecretVersionStage,
            "DeleteSecret" => Operation::DeleteSecret,
            "RestoreSecret" => Operation::RestoreSecret,
            "TagResource" => Operation::TagResource,
            "UntagResource" => Operation::UntagResource,
            "GetRandomPassword" => Operation::GetRandomPassword,
            "BatchGetSecretValue" => Operation::BatchGetSecretValue,
            _ => return Err(unknown()),
        })
    }
}

/// Decodes a request body; an empty body is an empty object.
fn decode<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Ok(T::default()),
        // serde would also take a JSON array for a struct; AWS wants an object.
        Some(b'{') => {}
        Some(_) => {
            return Err(ApiError::Serialization(
                "Could not deserialize the request body: expected a JSON object".to_owned(),
            ));
        }
    }
    serde_json::from_slice(body).map_err(|e| ApiError::Serialization(describe_json_error(&e)))
}

/// What was wrong with the body, and where, without any of its content
/// (which could be a secret): serde's messages quote the offending input,
/// so only the part from "expected" on is kept.
fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let problem = match e.classify() {
        Category::Syntax => "the body is not valid JSON".to_owned(),
        Category::Eof => "the body ends in the middle of a JSON value".to_owned(),
        Category::Io => "the body could not be read".to_owned(),
        Category::Data => {
            let text = e.to_string();
            let expected = text.rfind("expected ").map(|i| {
                text[i..]
                    .split(" at line ")
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            });
            match expected {
                // "expected" clauses name types, never the input.
                Some(x) if !x.contains('"') && !x.contains('`') => {
                    format!("a member has the wrong type or value, {x}")
                }
                _ => "a member has the wrong type or value".to_owned(),
            }
        }
    };
    format!(
        "Could not deserialize the request body at line {} column {}: {problem}",
        e.line(),
        e.column()
    )
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(value).map_err(|e| ApiError::Serialization(e.to_string()))
}

fn secret_id(id: Option<String>) -> Result<String, Error> {
    let id = required("secretId", id)?;
    length("secretId", &id, 1, 2048)?;
    Ok(id)
}

fn token(t: &Option<String>) -> Result<(), Error> {
    opt_length("clientRequestToken", t.as_deref(), 32, 64)
}

/// At most one of SecretString / SecretBinary, within size limits.
fn secret_value(
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

fn tags(shapes: Vec<TagShape>) -> Vec<Tag> {
    shapes
        .into_iter()
        .map(|t| Tag {
            key: t.key.unwrap_or_default(),
            value: t.value.unwrap_or_default(),
        })
        .collect()
}

fn filters(shapes: Vec<FilterShape>) -> Result<Vec<Filter>, Error> {
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

fn page_size(member: &str, v: Option<i64>, max: i64) -> Result<Option<usize>, Error> {
    opt_range(member, v, 1, max)?;
    Ok(v.map(|n| n as usize))
}

fn value_response(v: SecretValueOutput) -> SecretValueResponse {
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
fn secret_entry(s: Secret, list: bool) -> SecretEntry {
    let map = s.version_stage_map();
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
        arn: s.arn,
        name: s.name,
    }
}

/// Runs `op` for `caller` and returns the JSON response body.
pub async fn dispatch(
    service: &Service,
    caller: &Caller,
    op: Operation,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    match op {
        Operation::CreateSecret => {
            let r: CreateSecretRequest = decode(body)?;
            let name = required("name", r.name)?;
            length("name", &name, 1, 512)?;
            token(&r.client_request_token)?;
            opt_length("description", r.description.as_deref(), 0, 2048)?;
            opt_length("kmsKeyId", r.kms_key_id.as_deref(), 0, 2048)?;
            opt_length("type", r.secret_type.as_deref(), 0, 256)?;
            if let Some(regions) = &r.add_replica_regions {
                items("addReplicaRegions", regions.len(), 1, usize::MAX)?;
            }
            if r.cross_account_primary_arn.is_some() {
                return Err(Error::Unsupported("CrossAccountPrimaryARN: cross-account replicas are not supported by this server.").into());
            }
            let out = service
                .create_secret(
                    caller,
                    CreateSecretInput {
                        name,
                        client_request_token: r.client_request_token,
                        description: r.description,
                        kms_key_id: r.kms_key_id,
                        value: secret_value(r.secret_string, r.secret_binary)?,
                        tags: r.tags.map(tags),
                        replica_regions: r
                            .add_replica_regions
                            .unwrap_or_default()
                            .into_iter()
                            .map(|x| x.region.unwrap_or_default())
                            .collect(),
                        secret_type: r.secret_type,
                    },
                )
                .await?;
            encode(&ArnNameVersion {
                arn: out.arn,
                name: out.name,
                version_id: out.version_id,
            })
        }
        Operation::GetSecretValue => {
            let r: GetSecretValueRequest = decode(body)?;
            let secret_id = secret_id(r.secret_id)?;
            opt_length("versionId", r.version_id.as_deref(), 32, 64)?;
            opt_length("versionStage", r.version_stage.as_deref(), 1, 256)?;
            let input = GetSecretValueInput {
                secret_id,
                version_id: r.version_id,
                version_stage: r.version_stage,
            };
            let out = service.get_secret_value(caller, &input).await?;
            encode(&value_response(out))
        }
        Operation::PutSecretValue => {
            let r: PutSecretValueRequest = decode(body)?;
            let secret_id = secret_id(r.secret_id)?;
            token(&r.client_request_token)?;
            if let Some(stages) = &r.version_stages {
                items("versionStages", stages.len(), 1, 20)?;
                for s in stages {
                    length("versionStages.member", s, 1, 256)?;
                }
            }
            opt_length("rotationToken", r.rotation_token.as_deref(), 36, 256)?;
            let out = service
                .put_secret_value(
                    caller,
                    PutSecretValueInput {
                        secret_id,
                        client_request_token: r.client_request_token,
                        value: secret_value(r.secret_string, r.secret_binary)?,
                        version_stages: r.version_stages,
                    },
                )
                .await?;
            encode(&PutSecretValueResponse {
                arn: out.arn,
                name: out.name,
                version_id: out.version_id,
                version_stages: out.version_stages,
            })
        }
        Operation::UpdateSecret => {
            let r: UpdateSecretRequest = decode(body)?;
            let secret_id = secret_id(r.secret_id)?;
            token(&r.client_request_token)?;
            opt_length("description", r.description.as_deref(), 0, 2048)?;
            opt_length("kmsKeyId", r.kms_key_id.as_deref(), 0, 2048)?;
            opt_length("type", r.secret_type.as_deref(), 0, 256)?;
            let out = service
                .update_secret(
                    caller,
                    UpdateSecretInput {
                        secret_id,
                        client_request_token: r.client_request_token,
                        description: r.description,
                        kms_key_id: r.kms_key_id,
                        value: secret_value(r.secret_string, r.secret_binary)?,
                        secret_type: r.secret_type,
                    },
                )
                .await?;
            encode(&ArnNameVersion {
                arn: out.arn,
                name: out.name,
                version_id: out.version_id,
            })
        }
        Operation::DescribeSecret => {
            let r: SecretIdRequest = decode(body)?;
            let secret = service.describe_secret(caller, &secret_id(r.secret_id)?)?;
            encode(&secret_entry(secret, false))
        }
        Operation::ListSecrets => {
            let r: ListSecretsRequest = decode(body)?;
            let max_results = page_size("maxResults", r.max_results, 100)?;
            opt_length("nextToken", r.next_token.as_deref(), 1, 4096)?;
            let descending = match r.sort_order.as_deref() {
                None => false,
                Some(o) => {
                    one_of("sortOrder", o, &["asc", "desc"])?;
                    o == "desc"
                }
            };
            let sort_by = match r.sort_by.as_deref() {
                None | Some("created-date") => SortBy::CreatedDate,
                Some("last-accessed-date") => SortBy::LastAccessedDate,
                Some("last-changed-date") => SortBy::LastChangedDate,
                Some("name") => SortBy::Name,
                Some(other) => {
                    return Err(not_in_enum(
                        "sortBy",
                        other,
                        &[
                            "created-date",
                            "last-accessed-date",
                            "last-changed-date",
                            "name",
                        ],
                    )
                    .into());
                }
            };
            let input = ListSecretsInput {
                include_planned_deletion: r.include_planned_deletion.unwrap_or(false),
                max_results,
                next_token: r.next_token,
                filters: filters(r.filters.unwrap_or_default())?,
                sort_by,
                descending,
            };
            let page = service.list_secrets(caller, &input)?;
            encode(&ListSecretsResponse {
                secret_list: page
                    .items
                    .into_iter()
                    .map(|s| secret_entry(s, true))
                    .collect(),
                next_token: page.next_token,
            })
        }
        Operation::ListSecretVersionIds => {
            let r: ListSecretVersionIdsRequest = decode(body)?;
            let input = ListVersionsInput {
                secret_id: secret_id(r.secret_id)?,
                max_results: page_size("maxResults", r.max_results, 100)?,
                next_token: {
                    opt_length("nextToken", r.next_token.as_deref(), 1, 4096)?;
                    r.next_token
                },
                include_deprecated: r.include_deprecated.unwrap_or(false),
            };
            let out = service.list_secret_version_ids(caller, &input)?;
            let secret = &out.secret;
            let versions = out
                .versions
                .items
                .into_iter()
                .map(|v| {
                    let stages = secret.stages_of(&v.id);
                    VersionEntry {
                        version_stages: (!stages.is_empty()).then_some(stages),
                        last_accessed_date: date(v.last_accessed),
                        created_date: Date(v.created),
                        kms_key_ids: vec!["DefaultEncryptionKey".to_owned()],
                        version_id: v.id,
                    }
                })
                .collect();
            encode(&ListSecretVersionIdsResponse {
                versions,
                next_token: out.versions.next_token,
                arn: out.secret.arn.clone(),
                name: out.secret.name.clone(),
            })
        }
        Operation::UpdateSecretVersionStage => {
            let r: UpdateSecretVersionStageRequest = decode(body)?;
            let secret_id = secret_id(r.secret_id)?;
            let stage = required("versionStage", r.version_stage)?;
            length("versionStage", &stage, 1, 256)?;
            opt_length(
                "removeFromVersionId",
                r.remove_from_version_id.as_deref(),
                32,
                64,
            )?;
            opt_length("moveToVersionId", r.move_to_version_id.as_deref(), 32, 64)?;
            let (arn, name) = service
                .update_secret_version_stage(
                    caller,
                    &secret_id,
                    &stage,
                    r.remove_from_version_id,
                    r.move_to_version_id,
                )
                .await?;
            encode(&ArnNameVersion {
                arn,
                name,
                version_id: None,
            })
        }
        Operation::DeleteSecret => {
            let r: DeleteSecretRequest = decode(body)?;
            let secret_id = secret_id(r.secret_id)?;
            let out = service
                .delete_secret(
                    caller,
                    &secret_id,
                    r.recovery_window_in_days,
                    r.force_delete_without_recovery.unwrap_or(false),
                )
                .await?;
            encode(&DeleteSecretResponse {
                arn: out.arn,
                name: out.name,
                deletion_date: Date(out.deletion_date),
            })
        }
        Operation::RestoreSecret => {
            let r: SecretIdRequest = decode(body)?;
            let (arn, name) = service
                .restore_secret(caller, &secret_id(r.secret_id)?)
                .await?;
            encode(&ArnNameVersion {
                arn,
                name,
                version_id: None,
            })
        }
        Operation::TagResource => {
            let r: TagResourceRequest = decode(body)?;
            let secret_id = secret_id(r.secret_id)?;
            let t = required("tags", r.tags)?;
            service.tag_resource(caller, &secret_id, tags(t)).await?;
            encode(&Empty {})
        }
        Operation::UntagResource => {
            let r: UntagResourceRequest = decode(body)?;
            let secret_id = secret_id(r.secret_id)?;
            let keys = required("tagKeys", r.tag_keys)?;
            for k in &keys {
                length("tagKeys.member", k, 1, 128)?;
            }
            service.untag_resource(caller, &secret_id, keys).await?;
            encode(&Empty {})
        }
        Operation::GetRandomPassword => {
            let r: GetRandomPasswordRequest = decode(body)?;
            opt_range("passwordLength", r.password_length, 1, 4096)?;
            opt_length(
                "excludeCharacters",
                r.exclude_characters.as_deref(),
                0,
                4096,
            )?;
            let defaults = PasswordSpec::default();
            let spec = PasswordSpec {
                length: r.password_length.map_or(defaults.length, |n| n as u32),
                exclude_characters: r.exclude_characters.unwrap_or_default(),
                exclude_numbers: r.exclude_numbers.unwrap_or(false),
                exclude_punctuation: r.exclude_punctuation.unwrap_or(false),
                exclude_uppercase: r.exclude_uppercase.unwrap_or(false),
                exclude_lowercase: r.exclude_lowercase.unwrap_or(false),
                include_space: r.include_space.unwrap_or(false),
                require_each_included_type: r.require_each_included_type.unwrap_or(true),
            };
            let random_password = service.get_random_password(&spec)?;
            encode(&RandomPasswordResponse { random_password })
        }
        Operation::BatchGetSecretValue => {
            let r: BatchGetSecretValueRequest = decode(body)?;
            if let Some(ids) = &r.secret_id_list {
                items("secretIdList", ids.len(), 1, 20)?;
                for id in ids {
                    length("secretIdList.member", id, 1, 2048)?;
                }
            }
            let max_results = page_size("maxResults", r.max_results, 20)?;
            opt_length("nextToken", r.next_token.as_deref(), 1, 4096)?;
            let filters = r.filters.map(filters).transpose()?;
            let out = service
                .batch_get_secret_value(
                    caller,
                    BatchGetInput {
                        secret_ids: r.secret_id_list,
                        filters,
                        max_results,
                        next_token: r.next_token,
                    },
                )
                .await?;
            encode(&BatchGetSecretValueResponse {
                secret_values: out.values.into_iter().map(value_response).collect(),
                next_token: out.next_token,
                errors: out
                    .errors
                    .into_iter()
                    .map(|(id, e)| {
                        let e = ApiError::Service(e);
                        BatchErrorEntry {
                            secret_id: id,
                            error_code: e.aws_code().to_owned(),
                            message: e.message(),
                        }
                    })
                    .collect(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            Operation::from_target("secretsmanager.GetSecretValue").unwrap(),
            Operation::GetSecretValue
        );
        assert!(matches!(
            Operation::from_target("secretsmanager.Nope"),
            Err(ApiError::UnknownOperation(_))
        ));
        assert!(matches!(
            Operation::from_target("kms.Encrypt"),
            Err(ApiError::UnknownOperation(_))
        ));
    }

    #[test]
    fn json_errors_do_not_echo_input() {
        let e = decode::<CreateSecretRequest>(
            br#"{"Name": "x", "SecretBinary": 5, "SecretString": {"a": "hunter2"}}"#,
        );
        let msg = match e {
            Err(ApiError::Serialization(m)) => m,
            _ => panic!("expected a serialization error"),
        };
        assert!(!msg.contains("hunter2"));
        let e = decode::<CreateSecretRequest>(br#"{"SecretString": 5}"#);
        assert!(matches!(e, Err(ApiError::Serialization(_))));
        // escaped quotes inside a wrongly typed string are not echoed either
        let e = decode::<CreateSecretRequest>(
            br#"{"Tags": "[{\"Key\":\"pw\",\"Value\":\"hunter2\"}]"}"#,
        );
        match e {
            Err(ApiError::Serialization(m)) => {
                assert!(!m.contains("hunter2"), "{m}");
                assert!(m.contains("expected a sequence"), "{m}");
            }
            _ => panic!("expected a serialization error"),
        }
        let e = decode::<CreateSecretRequest>(b"{not json");
        assert!(matches!(e, Err(ApiError::Serialization(_))));
        assert!(decode::<CreateSecretRequest>(b"").is_ok());
    }
}
