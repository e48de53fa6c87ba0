//! Wire shapes: the JSON members of each operation, as the botocore model
//! names them. Absent members are omitted, never sent as null.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use strongroom_domain::Timestamp;

/// A `blob` member: base64 on the wire, bytes here.
#[derive(Default)]
pub struct Blob(pub Vec<u8>);

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        // The message never repeats the input: it may be a secret.
        STANDARD
            .decode(s.as_bytes())
            .map(Blob)
            .map_err(|_| serde::de::Error::custom("a blob member is not valid base64"))
    }
}

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(&self.0))
    }
}

/// Dates go out as epoch seconds with a millisecond fraction.
#[derive(Clone, Copy)]
pub struct Date(pub Timestamp);

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.0.millis() as f64 / 1000.0)
    }
}

pub fn date(t: Option<Timestamp>) -> Option<Date> {
    t.map(Date)
}

#[derive(Deserialize, Serialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct TagShape {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct FilterShape {
    pub key: Option<String>,
    pub values: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ReplicaRegionShape {
    pub region: Option<String>,
}

// ---- requests ----

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateSecretRequest {
    pub name: Option<String>,
    pub client_request_token: Option<String>,
    pub description: Option<String>,
    pub kms_key_id: Option<String>,
    pub secret_binary: Option<Blob>,
    pub secret_string: Option<String>,
    pub tags: Option<Vec<TagShape>>,
    pub add_replica_regions: Option<Vec<ReplicaRegionShape>>,
    pub force_overwrite_replica_secret: Option<bool>,
    #[serde(rename = "Type")]
    pub secret_type: Option<String>,
    #[serde(rename = "CrossAccountPrimaryARN")]
    pub cross_account_primary_arn: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct SecretIdRequest {
    pub secret_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetSecretValueRequest {
    pub secret_id: Option<String>,
    pub version_id: Option<String>,
    pub version_stage: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct PutSecretValueRequest {
    pub secret_id: Option<String>,
    pub client_request_token: Option<String>,
    pub secret_binary: Option<Blob>,
    pub secret_string: Option<String>,
    pub version_stages: Option<Vec<String>>,
    pub rotation_token: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct UpdateSecretRequest {
    pub secret_id: Option<String>,
    pub client_request_token: Option<String>,
    pub description: Option<String>,
    pub kms_key_id: Option<String>,
    pub secret_binary: Option<Blob>,
    pub secret_string: Option<String>,
    #[serde(rename = "Type")]
    pub secret_type: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeleteSecretRequest {
    pub secret_id: Option<String>,
    pub recovery_window_in_days: Option<i64>,
    pub force_delete_without_recovery: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListSecretsRequest {
    pub include_planned_deletion: Option<bool>,
    pub max_results: Option<i64>,
    pub next_token: Option<String>,
    pub filters: Option<Vec<FilterShape>>,
    pub sort_order: Option<String>,
    pub sort_by: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListSecretVersionIdsRequest {
    pub secret_id: Option<String>,
    pub max_results: Option<i64>,
    pub next_token: Option<String>,
    pub include_deprecated: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct UpdateSecretVersionStageRequest {
    pub secret_id: Option<String>,
    pub version_stage: Option<String>,
    pub remove_from_version_id: Option<String>,
    pub move_to_version_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct TagResourceRequest {
    pub secret_id: Option<String>,
    pub tags: Option<Vec<TagShape>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct UntagResourceRequest {
    pub secret_id: Option<String>,
    pub tag_keys: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetRandomPasswordRequest {
    pub password_length: Option<i64>,
    pub exclude_characters: Option<String>,
    pub exclude_numbers: Option<bool>,
    pub exclude_punctuation: Option<bool>,
    pub exclude_uppercase: Option<bool>,
    pub exclude_lowercase: Option<bool>,
    pub include_space: Option<bool>,
    pub require_each_included_type: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct BatchGetSecretValueRequest {
    pub secret_id_list: Option<Vec<String>>,
    pub filters: Option<Vec<FilterShape>>,
    pub max_results: Option<i64>,
    pub next_token: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct PutResourcePolicyRequest {
    pub secret_id: Option<String>,
    /// The policy document (JSON as a string), 1–20480 characters.
    pub resource_policy: Option<String>,
    /// Only `default` (the default when absent) can be written.
    pub policy_name: Option<String>,
    /// Refuse policies that grant broad access (PublicPolicyException).
    pub block_public_policy: Option<bool>,
}

/// GetResourcePolicy and DeleteResourcePolicy.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct PolicyNameRequest {
    pub secret_id: Option<String>,
    pub policy_name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListResourcePoliciesRequest {
    pub secret_id: Option<String>,
    pub max_results: Option<i64>,
    pub next_token: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct ValidateResourcePolicyRequest {
    /// Optional: with it, the lock-out check runs against that secret.
    pub secret_id: Option<String>,
    pub resource_policy: Option<String>,
}

/// RotationRulesType.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(rename_all = "PascalCase", default)]
pub struct RotationRulesShape {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automatically_after_days: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_expression: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct RotateSecretRequest {
    pub secret_id: Option<String>,
    pub client_request_token: Option<String>,
    #[serde(rename = "RotationLambdaARN")]
    pub rotation_lambda_arn: Option<String>,
    pub rotation_rules: Option<RotationRulesShape>,
    /// Managed external secrets (partners): accepted, not supported.
    pub external_secret_rotation_metadata: Option<serde::de::IgnoredAny>,
    pub external_secret_rotation_role_arn: Option<String>,
    pub rotate_immediately: Option<bool>,
}

// ---- responses ----

/// PutResourcePolicy and DeleteResourcePolicy.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ArnNamePolicyName {
    #[serde(rename = "ARN")]
    pub arn: String,
    pub name: String,
    pub policy_name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetResourcePolicyResponse {
    #[serde(rename = "ARN")]
    pub arn: String,
    pub name: String,
    /// Absent when the secret has no policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_policy: Option<String>,
    pub policy_name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicySummary {
    pub policy_name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListResourcePoliciesResponse {
    pub resource_policies: Vec<PolicySummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ValidationErrorEntry {
    pub check_name: String,
    pub error_message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ValidateResourcePolicyResponse {
    pub policy_validation_passed: bool,
    pub validation_errors: Vec<ValidationErrorEntry>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ArnNameVersion {
    #[serde(rename = "ARN")]
    pub arn: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecretValueResponse {
    #[serde(rename = "ARN")]
    pub arn: String,
    pub name: String,
    pub version_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_binary: Option<Blob>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_string: Option<String>,
    pub version_stages: Vec<String>,
    pub created_date: Date,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutSecretValueResponse {
    #[serde(rename = "ARN")]
    pub arn: String,
    pub name: String,
    pub version_id: String,
    pub version_stages: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteSecretResponse {
    #[serde(rename = "ARN")]
    pub arn: String,
    pub name: String,
    pub deletion_date: Date,
}

/// DescribeSecret, and one entry of ListSecrets (whose label map is named
/// `SecretVersionsToStages` instead of `VersionIdsToStages`).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecretEntry {
    #[serde(rename = "ARN")]
    pub arn: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    pub secret_type: Option<String>,
    pub last_changed_date: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_accessed_date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<TagShape>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_ids_to_stages: Option<BTreeMap<String, Vec<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_versions_to_stages: Option<BTreeMap<String, Vec<String>>>,
    pub created_date: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_region: Option<String>,
    /// The rotation members: absent until RotateSecret configured rotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_enabled: Option<bool>,
    #[serde(rename = "RotationLambdaARN", skip_serializing_if = "Option::is_none")]
    pub rotation_lambda_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_rules: Option<RotationRulesShape>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_rotated_date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_rotation_date: Option<Date>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListSecretsResponse {
    pub secret_list: Vec<SecretEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersionEntry {
    pub version_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_stages: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_accessed_date: Option<Date>,
    pub created_date: Date,
    pub kms_key_ids: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListSecretVersionIdsResponse {
    pub versions: Vec<VersionEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(rename = "ARN")]
    pub arn: String,
    pub name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RandomPasswordResponse {
    pub random_password: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchErrorEntry {
    pub secret_id: String,
    pub error_code: String,
    pub message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchGetSecretValueResponse {
    pub secret_values: Vec<SecretValueResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    pub errors: Vec<BatchErrorEntry>,
}

#[derive(Serialize)]
pub struct Empty {}
