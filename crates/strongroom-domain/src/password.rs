//! GetRandomPassword: draws from the OS-seeded CSPRNG.

use crate::Error;
use rand::RngExt;
use rand::seq::SliceRandom;

const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &str = "0123456789";
const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// The options of GetRandomPassword with AWS's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordSpec {
    pub length: u32,
    pub exclude_characters: String,
    pub exclude_numbers: bool,
    pub exclude_punctuation: bool,
    pub exclude_uppercase: bool,
    pub exclude_lowercase: bool,
    pub include_space: bool,
    pub require_each_included_type: bool,
}

impl Default for PasswordSpec {
    fn default() -> Self {
        PasswordSpec {
            length: 32,
            exclude_characters: String::new(),
            exclude_numbers: false,
            exclude_punctuation: false,
            exclude_uppercase: false,
            exclude_lowercase: false,
            include_space: false,
            require_each_included_type: true,
        }
    }
}

/// A password of exactly `spec.length` characters, none of them excluded,
/// with one of each included type when the spec requires it.
pub fn generate(spec: &PasswordSpec) -> Result<String, Error> {
    let classes: Vec<Vec<char>> = [
        (LOWER, spec.exclude_lowercase),
        (UPPER, spec.exclude_uppercase),
        (DIGITS, spec.exclude_numbers),
        (PUNCTUATION, spec.exclude_punctuation),
        (" ", !spec.include_space),
    ]
    .into_iter()
    .filter(|(_, excluded)| !excluded)
    .map(|(chars, _)| {
        chars
            .chars()
            .filter(|c| !spec.exclude_characters.contains(*c))
            .collect::<Vec<char>>()
    })
    .filter(|class| !class.is_empty())
    .collect();
    let all: Vec<char> = classes.iter().flatten().copied().collect();
    if all.is_empty() {
        return Err(Error::EmptyCharacterSet);
    }
    let mut rng = rand::rng();
    let mut out: Vec<char> = Vec::with_capacity(spec.length as usize);
    if spec.require_each_included_type {
        let types = classes.len() as u32;
        if spec.length < types {
            return Err(Error::PasswordTooShortForTypes {
                length: spec.length,
                types,
            });
        }
        for class in &classes {
            out.push(class[rng.random_range(0..class.len())]);
        }
    }
    while out.len() < spec.length as usize {
        out.push(all[rng.random_range(0..all.len())]);
    }
    out.shuffle(&mut rng);
    Ok(out.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_has_every_type() {
        for _ in 0..50 {
            let p = generate(&PasswordSpec::default()).unwrap();
            assert_eq!(p.chars().count(), 32);
            assert!(p.chars().any(|c| c.is_ascii_lowercase()));
            assert!(p.chars().any(|c| c.is_ascii_uppercase()));
            assert!(p.chars().any(|c| c.is_ascii_digit()));
            assert!(p.chars().any(|c| PUNCTUATION.contains(c)));
            assert!(!p.contains(' '));
        }
    }

    #[test]
    fn exclusions_keep_length() {
        let spec = PasswordSpec {
            length: 120,
            exclude_characters: "xyzDje@?!.".into(),
            ..Default::default()
        };
        let p = generate(&spec).unwrap();
        assert_eq!(p.len(), 120);
        assert!(!p.chars().any(|c| "xyzDje@?!.".contains(c)));
        let spec = PasswordSpec {
            length: 10,
            exclude_numbers: true,
            exclude_punctuation: true,
            exclude_uppercase: true,
            include_space: true,
            ..Default::default()
        };
        let p = generate(&spec).unwrap();
        assert!(p.chars().all(|c| c.is_ascii_lowercase() || c == ' '));
        assert!(p.contains(' '));
    }

    #[test]
    fn impossible_specs() {
        let none = PasswordSpec {
            exclude_numbers: true,
            exclude_punctuation: true,
            exclude_uppercase: true,
            exclude_lowercase: true,
            ..Default::default()
        };
        assert_eq!(generate(&none), Err(Error::EmptyCharacterSet));
        let short = PasswordSpec {
            length: 2,
            ..Default::default()
        };
        assert!(matches!(
            generate(&short),
            Err(Error::PasswordTooShortForTypes { .. })
        ));
        let short_ok = PasswordSpec {
            length: 2,
            require_each_included_type: false,
            ..Default::default()
        };
        assert_eq!(generate(&short_ok).unwrap().len(), 2);
    }
}
