//! Key ids, key and alias ARNs, alias names, and the four forms a `KeyId`
//! member takes.

use super::KmsError;
use rand::RngExt;

/// The prefix every alias name carries.
pub const ALIAS_PREFIX: &str = "alias/";
/// Alias names under this prefix belong to AWS managed keys.
pub const RESERVED_ALIAS_PREFIX: &str = "alias/aws/";
/// The model's bound on AliasName.
const MAX_ALIAS_CHARS: usize = 256;
/// The model's bound on every KeyId member.
pub const MAX_KEY_ID_CHARS: usize = 2048;

/// A fresh key id: a random (version 4) UUID, as KMS's are.
pub fn new_key_id() -> String {
    let mut b: [u8; 16] = rand::rng().random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// Is `id` shaped like a key id (36 characters, a UUID in lower or upper hex)?
pub fn is_key_id(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// `arn:aws:kms:<region>:<account>:key/<id>`.
pub fn key_arn(region: &str, account: &str, key_id: &str) -> String {
    format!("arn:aws:kms:{region}:{account}:key/{key_id}")
}

/// `arn:aws:kms:<region>:<account>:alias/<name>` for an alias name that
/// already starts with `alias/`.
pub fn alias_arn(region: &str, account: &str, alias_name: &str) -> String {
    format!("arn:aws:kms:{region}:{account}:{alias_name}")
}

/// Checks an AliasName member: the model's length and pattern, then
/// KMS's own rule that it starts with `alias/` and names something after it.
pub fn validate_alias_name(member: &str, name: &str) -> Result<(), KmsError> {
    let chars = name.chars().count();
    if chars == 0 {
        return Err(KmsError::constraint(
            member,
            Some(name),
            "Member must have length greater than or equal to 1",
        ));
    }
    if chars > MAX_ALIAS_CHARS {
        return Err(KmsError::constraint(
            member,
            Some(name),
            "Member must have length less than or equal to 256",
        ));
    }
    if !name
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b':' | b'/' | b'_' | b'-'))
    {
        return Err(KmsError::constraint(
            member,
            Some(name),
            "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
        ));
    }
    let rest = name.strip_prefix(ALIAS_PREFIX).ok_or_else(|| {
        KmsError::InvalidAliasName(
            "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html".to_owned(),
        )
    })?;
    if rest.is_empty() || rest.contains(':') {
        return Err(KmsError::InvalidAliasName(format!(
            "{name} contains invalid characters for an alias"
        )));
    }
    Ok(())
}

/// Is this alias name reserved for AWS managed keys?
pub fn is_reserved_alias(name: &str) -> bool {
    name.starts_with(RESERVED_ALIAS_PREFIX)
}

/// A `KeyId` member in one of its four forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRef {
    /// `1234abcd-12ab-34cd-56ef-1234567890ab`: the caller's account and region.
    Id(String),
    /// `arn:aws:kms:<region>:<account>:key/<id>`.
    Arn {
        region: String,
        account: String,
        id: String,
    },
    /// `alias/<name>`: the caller's account and region.
    AliasName(String),
    /// `arn:aws:kms:<region>:<account>:alias/<name>`.
    AliasArn {
        region: String,
        account: String,
        name: String,
    },
}

impl KeyRef {
    /// Reads a KeyId member. A malformed ARN is InvalidArnException; an id
    /// that is not a key id is NotFoundException ("Invalid keyId"), as KMS answers.
    pub fn parse(member: &str, input: &str) -> Result<KeyRef, KmsError> {
        let chars = input.chars().count();
        if chars == 0 {
            return Err(KmsError::constraint(
                member,
                Some(input),
                "Member must have length greater than or equal to 1",
            ));
        }
        if chars > MAX_KEY_ID_CHARS {
            return Err(KmsError::constraint(
                member,
                None,
                "Member must have length less than or equal to 2048",
            ));
        }
        if input.starts_with("arn:") {
            return Self::parse_arn(input);
        }
        if input.starts_with(ALIAS_PREFIX) {
            return Ok(KeyRef::AliasName(input.to_owned()));
        }
        if is_key_id(input) {
            return Ok(KeyRef::Id(input.to_ascii_lowercase()));
        }
        Err(KmsError::InvalidKeyId(input.to_owned()))
    }

    fn parse_arn(input: &str) -> Result<KeyRef, KmsError> {
        let invalid = || KmsError::InvalidArn(input.to_owned());
        let mut parts = input.splitn(6, ':');
        let (Some("arn"), Some(partition), Some("kms"), Some(region), Some(account), Some(res)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(invalid());
        };
        if !partition.starts_with("aws")
            || region.is_empty()
            || account.len() != 12
            || !account.bytes().all(|c| c.is_ascii_digit())
        {
            return Err(invalid());
        }
        if let Some(id) = res.strip_prefix("key/") {
            if !is_key_id(id) {
                return Err(invalid());
            }
            return Ok(KeyRef::Arn {
                region: region.to_owned(),
                account: account.to_owned(),
                id: id.to_ascii_lowercase(),
            });
        }
        if res.starts_with(ALIAS_PREFIX) && res.len() > ALIAS_PREFIX.len() {
            return Ok(KeyRef::AliasArn {
                region: region.to_owned(),
                account: account.to_owned(),
                name: res.to_owned(),
            });
        }
        Err(invalid())
    }

    /// Only a key id or key ARN (CreateAlias/UpdateAlias's TargetKeyId,
    /// which may not name an alias).
    pub fn is_alias(&self) -> bool {
        matches!(self, KeyRef::AliasName(_) | KeyRef::AliasArn { .. })
    }

    /// The account and region the reference points into, given the caller's.
    pub fn scope<'a>(&'a self, account: &'a str, region: &'a str) -> (&'a str, &'a str) {
        match self {
            KeyRef::Id(_) | KeyRef::AliasName(_) => (account, region),
            KeyRef::Arn {
                region, account, ..
            }
            | KeyRef::AliasArn {
                region, account, ..
            } => (account, region),
        }
    }

    /// The alias name, if the reference is an alias.
    pub fn alias_name(&self) -> Option<&str> {
        match self {
            KeyRef::AliasName(n) | KeyRef::AliasArn { name: n, .. } => Some(n),
            _ => None,
        }
    }

    /// The key id, if the reference names the key directly.
    pub fn key_id(&self) -> Option<&str> {
        match self {
            KeyRef::Id(id) | KeyRef::Arn { id, .. } => Some(id),
            _ => None,
        }
    }

    /// What a NotFoundException says when nothing answers to this
    /// reference in (`account`, `region`), the caller's.
    pub fn not_found(&self, account: &str, region: &str) -> KmsError {
        let (account, region) = self.scope(account, region);
        match self {
            KeyRef::Id(id) | KeyRef::Arn { id, .. } => {
                KmsError::KeyNotFound(key_arn(region, account, id))
            }
            KeyRef::AliasName(name) | KeyRef::AliasArn { name, .. } => {
                KmsError::AliasNotFound(alias_arn(region, account, name))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

    #[test]
    fn the_four_forms() {
        assert_eq!(KeyRef::parse("keyId", ID), Ok(KeyRef::Id(ID.into())));
        assert_eq!(
            KeyRef::parse(
                "keyId",
                &format!("arn:aws:kms:eu-west-1:111122223333:key/{ID}")
            ),
            Ok(KeyRef::Arn {
                region: "eu-west-1".into(),
                account: "111122223333".into(),
                id: ID.into()
            })
        );
        assert_eq!(
            KeyRef::parse("keyId", "alias/app"),
            Ok(KeyRef::AliasName("alias/app".into()))
        );
        let r = KeyRef::parse("keyId", "arn:aws:kms:eu-west-1:111122223333:alias/app").unwrap();
        assert_eq!(r.alias_name(), Some("alias/app"));
        assert_eq!(
            r.scope("999999999999", "us-east-1"),
            ("111122223333", "eu-west-1")
        );
    }

    #[test]
    fn malformed_references() {
        assert_eq!(
            KeyRef::parse("keyId", "nope"),
            Err(KmsError::InvalidKeyId("nope".into()))
        );
        for arn in [
            "arn:aws:kms:eu-west-1:111122223333:key/nope",
            "arn:aws:s3:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:eu-west-1:12:alias/x",
            "arn:aws:kms:eu-west-1:111122223333:alias/",
            "arn:aws:kms",
        ] {
            assert!(
                matches!(KeyRef::parse("keyId", arn), Err(KmsError::InvalidArn(_))),
                "{arn}"
            );
        }
        assert!(matches!(
            KeyRef::parse("keyId", ""),
            Err(KmsError::Constraint { .. })
        ));
    }

    #[test]
    fn alias_names() {
        assert!(validate_alias_name("aliasName", "alias/my-app_1/x").is_ok());
        assert!(matches!(
            validate_alias_name("aliasName", "my-app"),
            Err(KmsError::InvalidAliasName(_))
        ));
        assert!(matches!(
            validate_alias_name("aliasName", "alias/"),
            Err(KmsError::InvalidAliasName(_))
        ));
        assert!(matches!(
            validate_alias_name("aliasName", "alias/a b"),
            Err(KmsError::Constraint { .. })
        ));
        assert!(matches!(
            validate_alias_name("aliasName", &format!("alias/{}", "a".repeat(251))),
            Err(KmsError::Constraint { .. })
        ));
        assert!(is_reserved_alias("alias/aws/secretsmanager"));
        assert!(!is_reserved_alias("alias/awsome"));
    }

    #[test]
    fn new_ids_are_key_ids() {
        let id = new_key_id();
        assert!(is_key_id(&id), "{id}");
        assert_ne!(id, new_key_id());
    }
}
