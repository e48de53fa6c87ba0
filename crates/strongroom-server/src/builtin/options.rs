//! A built-in rotator's options, read from the secret's tags (not from its
//! value, which applications read: they would see the options too). Every
//! key is `strongroom:rotation:` followed by GetRandomPassword's member
//! name, plus `Field` (the JSON field the random-password rotator
//! replaces).

use super::RotatorError;
use strongroom_domain::Tag;
use strongroom_domain::password::PasswordSpec;

/// The prefix of every option's tag key.
pub const TAG_PREFIX: &str = "strongroom:rotation:";

/// The JSON field the random-password rotator replaces by default.
pub const DEFAULT_FIELD: &str = "password";

/// What AWS's database rotation functions exclude by default
/// (`EXCLUDE_CHARACTERS`): characters that break connection strings.
pub const DATABASE_EXCLUDED: &str = "/@\"'\\";

/// GetRandomPassword's bounds on PasswordLength.
const LENGTH: std::ops::RangeInclusive<u32> = 1..=4096;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub field: String,
    pub password: PasswordSpec,
}

/// The options in `tags`, over `base` (the rotator's defaults). A tag with
/// the prefix but an unknown name, or a value that does not parse, is an
/// error: a typo must not silently rotate with other options.
pub fn parse(tags: &[Tag], base: PasswordSpec) -> Result<Options, RotatorError> {
    let mut options = Options {
        field: DEFAULT_FIELD.to_owned(),
        password: base,
    };
    for tag in tags {
        let Some(name) = tag.key.strip_prefix(TAG_PREFIX) else {
            continue;
        };
        let bad = || RotatorError::BadOption {
            key: tag.key.clone(),
            value: tag.value.clone(),
        };
        let flag = || match tag.value.to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(bad()),
        };
        let p = &mut options.password;
        match name {
            "Field" if !tag.value.is_empty() => options.field = tag.value.clone(),
            "PasswordLength" => {
                p.length = tag
                    .value
                    .parse()
                    .ok()
                    .filter(|n| LENGTH.contains(n))
                    .ok_or_else(bad)?;
            }
            "ExcludeCharacters" => p.exclude_characters = tag.value.clone(),
            "ExcludeNumbers" => p.exclude_numbers = flag()?,
            "ExcludePunctuation" => p.exclude_punctuation = flag()?,
            "ExcludeUppercase" => p.exclude_uppercase = flag()?,
            "ExcludeLowercase" => p.exclude_lowercase = flag()?,
            "IncludeSpace" => p.include_space = flag()?,
            "RequireEachIncludedType" => p.require_each_included_type = flag()?,
            _ => return Err(bad()),
        }
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(k: &str, v: &str) -> Tag {
        Tag {
            key: format!("{TAG_PREFIX}{k}"),
            value: v.into(),
        }
    }

    #[test]
    fn defaults_without_tags() {
        let o = parse(
            &[Tag {
                key: "team".into(),
                value: "x".into(),
            }],
            PasswordSpec::default(),
        )
        .expect("options");
        assert_eq!(o.field, "password");
        assert_eq!(o.password, PasswordSpec::default());
    }

    #[test]
    fn every_option_is_read() {
        let o = parse(
            &[
                tag("Field", "secret"),
                tag("PasswordLength", "12"),
                tag("ExcludeCharacters", "abc"),
                tag("ExcludeNumbers", "true"),
                tag("ExcludePunctuation", "TRUE"),
                tag("ExcludeUppercase", "true"),
                tag("ExcludeLowercase", "false"),
                tag("IncludeSpace", "true"),
                tag("RequireEachIncludedType", "false"),
            ],
            PasswordSpec::default(),
        )
        .expect("options");
        assert_eq!(o.field, "secret");
        assert_eq!(
            o.password,
            PasswordSpec {
                length: 12,
                exclude_characters: "abc".into(),
                exclude_numbers: true,
                exclude_punctuation: true,
                exclude_uppercase: true,
                exclude_lowercase: false,
                include_space: true,
                require_each_included_type: false,
            }
        );
    }

    #[test]
    fn bad_values_and_unknown_names_are_errors() {
        for (k, v) in [
            ("PasswordLength", "0"),
            ("PasswordLength", "4097"),
            ("PasswordLength", "ten"),
            ("ExcludeNumbers", "yes"),
            ("Lenght", "10"),
        ] {
            let e = parse(&[tag(k, v)], PasswordSpec::default()).expect_err(k);
            assert!(
                matches!(&e, RotatorError::BadOption { key, value } if key.ends_with(k) && value == v),
                "{e:?}"
            );
        }
    }
}
