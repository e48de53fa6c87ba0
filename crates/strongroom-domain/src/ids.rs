//! Secret names, ARNs and the three ways a `SecretId` can name a secret.

use crate::Error;
use rand::RngExt;

/// Characters AWS allows in a secret name besides ASCII letters and digits.
const NAME_PUNCTUATION: &[u8] = b"/_+=.@-";
/// Alphabet of the random ARN suffix (AWS documents `-a1b2c3`).
const SUFFIX_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
pub const SUFFIX_LEN: usize = 6;

/// Checks a secret name's characters. Lengths are the wire layer's concern.
pub fn validate_name(name: &str) -> Result<(), Error> {
    if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || NAME_PUNCTUATION.contains(&b))
    {
        Ok(())
    } else {
        Err(Error::InvalidName)
    }
}

/// `-` followed by six random alphanumerics: a re-created name gets a new ARN,
/// so grants on the old secret don't carry over.
pub fn random_suffix() -> String {
    let mut rng = rand::rng();
    let mut s = String::with_capacity(SUFFIX_LEN + 1);
    s.push('-');
    for _ in 0..SUFFIX_LEN {
        s.push(SUFFIX_ALPHABET[rng.random_range(0..SUFFIX_ALPHABET.len())] as char);
    }
    s
}

pub fn build_arn(region: &str, account: &str, name: &str, suffix: &str) -> String {
    format!("arn:aws:secretsmanager:{region}:{account}:secret:{name}{suffix}")
}

/// What a `SecretId` parameter asks for, before any lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// A plain secret name.
    Name(String),
    /// Something that starts with `arn:`.
    Arn {
        /// The whole ARN as given, to be matched exactly first.
        full: String,
        region: String,
        account: String,
        /// What follows `secret:`: a name, possibly with its suffix.
        resource: String,
    },
}

impl SecretRef {
    /// Parses a `SecretId`. Names are checked for allowed characters; ARNs are
    /// not, as AWS (and LocalStack after it) only validates plain names.
    pub fn parse(id: &str) -> Result<SecretRef, Error> {
        if let Some(rest) = id.strip_prefix("arn:") {
            let parts: Vec<&str> = rest.splitn(6, ':').collect();
            if let [_partition, service, region, account, kind_and_name @ ..] = parts.as_slice() {
                let tail = kind_and_name.join(":");
                if *service == "secretsmanager"
                    && let Some(resource) = tail.strip_prefix("secret:")
                {
                    return Ok(SecretRef::Arn {
                        full: id.to_owned(),
                        region: (*region).to_owned(),
                        account: (*account).to_owned(),
                        resource: resource.to_owned(),
                    });
                }
            }
            // An ARN of something else can never name one of our secrets.
            return Ok(SecretRef::Arn {
                full: id.to_owned(),
                region: String::new(),
                account: String::new(),
                resource: String::new(),
            });
        }
        validate_name(id)?;
        Ok(SecretRef::Name(id.to_owned()))
    }

    /// Checks a `SecretId` the way [`SecretRef::parse`] does, without
    /// building anything (for the hot read path).
    pub fn validate(id: &str) -> Result<(), Error> {
        if id.starts_with("arn:") {
            Ok(())
        } else {
            validate_name(id)
        }
    }

    /// The name to try when an ARN did not match exactly: a partial ARN is a
    /// full ARN without its `-XXXXXX`. If the resource already ends like a
    /// suffix, AWS takes it as a full ARN and the lookup fails (the documented
    /// catch with names like `name-a1b2c3`).
    pub fn partial_arn_name(&self, region: &str, account: &str) -> Option<&str> {
        match self {
            SecretRef::Name(_) => None,
            SecretRef::Arn {
                region: r,
                account: a,
                resource,
                ..
            } => {
                if r != region || a != account || resource.is_empty() || ends_like_suffix(resource)
                {
                    None
                } else {
                    Some(resource)
                }
            }
        }
    }
}

fn ends_like_suffix(resource: &str) -> bool {
    let bytes = resource.as_bytes();
    bytes.len() > SUFFIX_LEN
        && bytes[bytes.len() - SUFFIX_LEN - 1] == b'-'
        && bytes[bytes.len() - SUFFIX_LEN..]
            .iter()
            .all(u8::is_ascii_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in [
            "a",
            "Valid/_+=.@-Name",
            "Valid/_+=.@-Name-a1b2c3-",
            "db/prod",
        ] {
            assert_eq!(validate_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "Inv Name", " Inv*Name? ", "a*b", "naïve"] {
            assert_eq!(validate_name(bad), Err(Error::InvalidName), "{bad}");
        }
    }

    #[test]
    fn suffix_shape() {
        let s = random_suffix();
        assert_eq!(s.len(), 7);
        assert!(s.starts_with('-'));
        assert!(ends_like_suffix(&format!("name{s}")));
    }

    #[test]
    fn partial_arns() {
        let check = |id: &str, expect: Option<&str>| {
            let r = SecretRef::parse(id).unwrap();
            assert_eq!(
                r.partial_arn_name("us-east-1", "123456789012"),
                expect,
                "{id}"
            );
        };
        check(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db/prod",
            Some("db/prod"),
        );
        check(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-a1b2c3",
            None,
        );
        check(
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db/prod",
            None,
        );
        check(
            "arn:aws:secretsmanager:us-east-1:999999999999:secret:db/prod",
            None,
        );
        check("arn:aws:s3:::bucket", None);
        assert_eq!(
            SecretRef::parse("db/prod").unwrap(),
            SecretRef::Name("db/prod".into())
        );
        assert_eq!(SecretRef::parse("bad name"), Err(Error::InvalidName));
    }
}
