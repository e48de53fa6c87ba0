//! KMS's wire shapes (2014-11-01), as the botocore model names them, and the
//! conversions of their members. Absent members are omitted, never null.

use crate::ApiError;
use crate::secretsmanager::shapes::{Date, date};
use crate::validate::{length, one_of, required};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::str::FromStr;
use strongroom_domain::Tag;
use strongroom_domain::kms::{
    DataKeyPairSpec, DataKeySpec, EncryptionAlgorithmSpec, EncryptionContext, KeySpec, KeyUsage,
    KmsAlias, KmsCryptoError, KmsError, KmsKey, MacAlgorithmSpec, MessageType, Origin,
    SigningAlgorithmSpec,
};
use zeroize::Zeroizing;

/// A `blob` member: base64 on the wire, bytes (zeroized on drop) here.
#[derive(Default)]
pub struct SecretBlob(pub Zeroizing<Vec<u8>>);

impl<'de> Deserialize<'de> for SecretBlob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Zeroizing::new(String::deserialize(d)?);
        // The message never repeats the input: it may be plaintext.
        STANDARD
            .decode(s.as_bytes())
            .map(|b| SecretBlob(Zeroizing::new(b)))
            .map_err(|_| serde::de::Error::custom("a blob member is not valid base64"))
    }
}

impl Serialize for SecretBlob {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&Zeroizing::new(STANDARD.encode(&self.0[..])))
    }
}

pub use crate::secretsmanager::shapes::Blob;

#[derive(Serialize)]
pub struct Empty {}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct TagShape {
    pub tag_key: Option<String>,
    pub tag_value: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagOut {
    pub tag_key: String,
    pub tag_value: String,
}

/// The Tags member: TagKey (1–128) and TagValue (0–256) required.
pub fn tags(member: &str, tags: Option<Vec<TagShape>>) -> Result<Vec<Tag>, ApiError> {
    let mut out = Vec::new();
    for (i, t) in tags.unwrap_or_default().into_iter().enumerate() {
        let key = required(&format!("{member}.{}.member.tagKey", i + 1), t.tag_key)?;
        let value = required(&format!("{member}.{}.member.tagValue", i + 1), t.tag_value)?;
        length(&format!("{member}.{}.member.tagKey", i + 1), &key, 1, 128)?;
        length(
            &format!("{member}.{}.member.tagValue", i + 1),
            &value,
            0,
            256,
        )?;
        out.push(Tag { key, value });
    }
    Ok(out)
}

pub fn tags_out(tags: Vec<Tag>) -> Vec<TagOut> {
    tags.into_iter()
        .map(|t| TagOut {
            tag_key: t.key,
            tag_value: t.value,
        })
        .collect()
}

/// A model string enum member: parsed, or the model's enum error.
pub fn model_enum<T>(
    member: &str,
    value: Option<String>,
    parse: fn(&str) -> Option<T>,
    all: &[&str],
) -> Result<Option<T>, ApiError> {
    match value {
        None => Ok(None),
        Some(v) => match parse(&v) {
            Some(t) => Ok(Some(t)),
            None => {
                one_of(member, &v, all)?;
                Ok(None)
            }
        },
    }
}

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| name(*v)).collect()
}

/// A member of one of KMS's wire enums (`strongroom_crypto::kms`): a value served here,
/// UnsupportedOperationException for one KMS has that this server does not offer, the
/// model's enum error (listing both) for anything else.
pub fn wire_enum<T>(
    member: &str,
    v: Option<String>,
    all: &[T],
    not_supported: &[&'static str],
    name: fn(T) -> &'static str,
) -> Result<Option<T>, ApiError>
where
    T: Copy + FromStr<Err = KmsCryptoError>,
{
    let Some(v) = v else { return Ok(None) };
    match v.parse::<T>() {
        Ok(t) => Ok(Some(t)),
        Err(KmsCryptoError::NotSupported { member, value }) => Err(KmsError::Unsupported(format!(
            "{member} {value} is not supported by this server."
        ))
        .into()),
        Err(_) => {
            let mut allowed = names(all, name);
            allowed.extend_from_slice(not_supported);
            one_of(member, &v, &allowed)?;
            Ok(None)
        }
    }
}

pub fn key_spec(member: &str, v: Option<String>) -> Result<Option<KeySpec>, ApiError> {
    wire_enum(
        member,
        v,
        KeySpec::ALL,
        KeySpec::NOT_SUPPORTED,
        KeySpec::as_str,
    )
}

pub fn key_usage(v: Option<String>) -> Result<Option<KeyUsage>, ApiError> {
    wire_enum(
        "keyUsage",
        v,
        KeyUsage::ALL,
        KeyUsage::NOT_SUPPORTED,
        KeyUsage::as_str,
    )
}

pub fn signing_algorithm(v: Option<String>) -> Result<Option<SigningAlgorithmSpec>, ApiError> {
    wire_enum(
        "signingAlgorithm",
        v,
        SigningAlgorithmSpec::ALL,
        SigningAlgorithmSpec::NOT_SUPPORTED,
        SigningAlgorithmSpec::as_str,
    )
}

pub fn mac_algorithm(v: Option<String>) -> Result<Option<MacAlgorithmSpec>, ApiError> {
    wire_enum(
        "macAlgorithm",
        v,
        MacAlgorithmSpec::ALL,
        MacAlgorithmSpec::NOT_SUPPORTED,
        MacAlgorithmSpec::as_str,
    )
}

pub fn message_type(v: Option<String>) -> Result<Option<MessageType>, ApiError> {
    wire_enum(
        "messageType",
        v,
        MessageType::ALL,
        MessageType::NOT_SUPPORTED,
        MessageType::as_str,
    )
}

pub fn key_pair_spec(v: Option<String>) -> Result<Option<DataKeyPairSpec>, ApiError> {
    wire_enum(
        "keyPairSpec",
        v,
        DataKeyPairSpec::ALL,
        DataKeyPairSpec::NOT_SUPPORTED,
        DataKeyPairSpec::as_str,
    )
}

/// A Message member (Sign, Verify, GenerateMac, VerifyMac): 1–4096 bytes, never shown.
pub fn message(v: Option<SecretBlob>) -> Result<Zeroizing<Vec<u8>>, ApiError> {
    let m = required("message", v)?;
    crate::validate::byte_length("message", &m.0, 1, 4096)?;
    Ok(m.0)
}

pub fn origin(v: Option<String>) -> Result<Option<Origin>, ApiError> {
    model_enum(
        "origin",
        v,
        Origin::parse,
        &names(Origin::ALL, Origin::as_str),
    )
}

pub fn data_key_spec(v: Option<String>) -> Result<Option<DataKeySpec>, ApiError> {
    model_enum(
        "keySpec",
        v,
        DataKeySpec::parse,
        &names(DataKeySpec::ALL, DataKeySpec::as_str),
    )
}

pub fn algorithm(
    member: &str,
    v: Option<String>,
) -> Result<Option<EncryptionAlgorithmSpec>, ApiError> {
    wire_enum(
        member,
        v,
        EncryptionAlgorithmSpec::ALL,
        EncryptionAlgorithmSpec::NOT_SUPPORTED,
        EncryptionAlgorithmSpec::as_str,
    )
}

/// The algorithm names of a key's lists, as the wire shows them.
pub fn algorithm_names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
    names(all, name)
}

/// The EncryptionAlgorithm an answer names: the request's, SYMMETRIC_DEFAULT if none.
pub fn used(algorithm: Option<EncryptionAlgorithmSpec>) -> &'static str {
    algorithm
        .unwrap_or(EncryptionAlgorithmSpec::SymmetricDefault)
        .as_str()
}

/// An EncryptionContext member.
pub fn context(v: Option<BTreeMap<String, String>>) -> EncryptionContext {
    EncryptionContext(v.unwrap_or_default())
}

/// GrantTokens: 0–10 tokens of 1–8192 characters; checked for shape only
/// (grants take effect at once here).
pub fn grant_tokens(v: &Option<Vec<String>>) -> Result<(), ApiError> {
    if let Some(tokens) = v {
        crate::validate::items("grantTokens", tokens.len(), 0, 10)?;
        for t in tokens {
            length("grantTokens.member", t, 1, 8192)?;
        }
    }
    Ok(())
}

/// A Limit member (range checked by the service) and Marker (1–1024,
/// `[\u0020-\u00FF]*`).
pub fn marker(v: &Option<String>) -> Result<(), ApiError> {
    crate::validate::opt_length("marker", v.as_deref(), 1, 1024)?;
    if let Some(m) = v
        && !m.chars().all(|c| ('\u{20}'..='\u{FF}').contains(&c))
    {
        return Err(KmsError::constraint(
            "marker",
            None,
            "Member must satisfy regular expression pattern: [\\u0020-\\u00FF]*",
        )
        .into());
    }
    Ok(())
}

/// A Policy member: 1–131072 characters of `[\u0009\u000A\u000D\u0020-\u00FF]+`.
pub fn policy(policy: &str) -> Result<(), ApiError> {
    length("policy", policy, 1, 131_072)?;
    if !policy
        .chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r') || ('\u{20}'..='\u{FF}').contains(&c))
    {
        return Err(KmsError::constraint(
            "policy",
            None,
            "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
        )
        .into());
    }
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyMetadata {
    #[serde(rename = "AWSAccountId")]
    pub aws_account_id: String,
    pub key_id: String,
    pub arn: String,
    pub creation_date: Date,
    pub enabled: bool,
    pub description: String,
    pub key_usage: &'static str,
    pub key_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_date: Option<Date>,
    pub origin: &'static str,
    pub key_manager: &'static str,
    pub customer_master_key_spec: &'static str,
    pub key_spec: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub encryption_algorithms: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signing_algorithms: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mac_algorithms: Vec<&'static str>,
    pub multi_region: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_deletion_window_in_days: Option<i64>,
}

impl From<KmsKey> for KeyMetadata {
    fn from(k: KmsKey) -> Self {
        let algorithms = k.algorithms();
        KeyMetadata {
            encryption_algorithms: names(algorithms.encryption, EncryptionAlgorithmSpec::as_str),
            signing_algorithms: names(algorithms.signing, SigningAlgorithmSpec::as_str),
            mac_algorithms: names(algorithms.mac, MacAlgorithmSpec::as_str),
            aws_account_id: k.account,
            key_id: k.id,
            arn: k.arn,
            creation_date: Date(k.created),
            enabled: k.state == strongroom_domain::kms::KeyState::Enabled,
            description: k.description,
            key_usage: k.usage.as_str(),
            key_state: k.state.as_str(),
            deletion_date: date(k.deletion_date),
            origin: k.origin.as_str(),
            key_manager: k.manager.as_str(),
            customer_master_key_spec: k.spec.as_str(),
            key_spec: k.spec.as_str(),
            multi_region: false,
            pending_deletion_window_in_days: k.pending_window_days,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyMetadataOut {
    pub key_metadata: KeyMetadata,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasEntry {
    pub alias_name: String,
    pub alias_arn: String,
    pub target_key_id: String,
    pub creation_date: Date,
    pub last_updated_date: Date,
}

impl From<KmsAlias> for AliasEntry {
    fn from(a: KmsAlias) -> Self {
        AliasEntry {
            alias_arn: a.arn(),
            alias_name: a.name,
            target_key_id: a.target_key_id,
            creation_date: Date(a.created),
            last_updated_date: Date(a.updated),
        }
    }
}

/// Requests that name one key and nothing else (EnableKey, DisableKey,
/// CancelKeyDeletion, ListKeyPolicies' key).
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct KeyIdRequest {
    pub key_id: Option<String>,
}
