//! The order of `ListSecrets` / `BatchGetSecretValue` listings, and the
//! cursor a page ends at.
//!
//! A listing covers one account and region, where names are unique, so
//! (sort key, name) orders it totally: a page that starts strictly after the
//! last (key, name) it handed out neither skips nor repeats a secret when
//! others are created or deleted in between.

use crate::Secret;
use std::cmp::Ordering;

/// `SortBy`; AWS lists by creation date unless told otherwise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortBy {
    #[default]
    CreatedDate,
    LastAccessedDate,
    LastChangedDate,
    Name,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sort {
    pub by: SortBy,
    pub descending: bool,
}

/// What a never-read secret sorts as under `LastAccessedDate`: before
/// every secret that was read.
pub const NEVER_ACCESSED: i64 = i64::MIN;

/// The value a listing is sorted by, for one secret.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey {
    /// Milliseconds since the epoch ([`NEVER_ACCESSED`] for a secret never read).
    Time(i64),
    Name(String),
}

/// Where a page ended: the sort key and name of the last secret it covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub key: SortKey,
    pub name: String,
}

impl Sort {
    pub fn key(self, s: &Secret) -> SortKey {
        match self.by {
            SortBy::CreatedDate => SortKey::Time(s.created.0),
            SortBy::LastAccessedDate => {
                SortKey::Time(s.last_accessed.map_or(NEVER_ACCESSED, |t| t.0))
            }
            SortBy::LastChangedDate => SortKey::Time(s.last_changed.0),
            SortBy::Name => SortKey::Name(s.name.clone()),
        }
    }

    pub fn cursor(self, s: &Secret) -> Cursor {
        Cursor {
            key: self.key(s),
            name: s.name.clone(),
        }
    }

    /// The listing order of two positions, each a sort key and a name.
    pub fn order(self, a: (&SortKey, &str), b: (&SortKey, &str)) -> Ordering {
        let ord = a.0.cmp(b.0).then_with(|| a.1.cmp(b.1));
        if self.descending { ord.reverse() } else { ord }
    }

    /// Whether `s` comes after `cursor` in this order (everything does
    /// when there is no cursor).
    pub fn is_after(self, s: &Secret, cursor: Option<&Cursor>) -> bool {
        cursor.is_none_or(|c| {
            self.order((&self.key(s), &s.name), (&c.key, &c.name))
                .is_gt()
        })
    }

    /// Sorts `secrets` into this order.
    pub fn sort(self, secrets: &mut [Secret]) {
        secrets.sort_by_cached_key(|s| self.cursor(s));
        if self.descending {
            secrets.reverse();
        }
    }
}

impl PartialOrd for Cursor {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Ascending listing order.
impl Ord for Cursor {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key
            .cmp(&other.key)
            .then_with(|| self.name.cmp(&other.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;

    fn secret(name: &str, created: i64, accessed: Option<i64>) -> Secret {
        Secret {
            arn: format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-abcdef"),
            name: name.into(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            description: None,
            kms_key_id: None,
            secret_type: None,
            created: Timestamp(created),
            last_changed: Timestamp(created),
            last_accessed: accessed.map(Timestamp),
            deleted: None,
            purge_after: None,
            resource_policy: None,
            tags: None,
            versions: vec![],
            stages: Default::default(),
            rotation: None,
        }
    }

    fn names(secrets: &[Secret]) -> Vec<&str> {
        secrets.iter().map(|s| s.name.as_str()).collect()
    }

    #[test]
    fn ties_are_broken_by_name_and_descending_reverses_both() {
        let mut v = vec![
            secret("b", 1, None),
            secret("a", 1, None),
            secret("c", 0, None),
        ];
        let asc = Sort::default();
        asc.sort(&mut v);
        assert_eq!(names(&v), ["c", "a", "b"]);
        let desc = Sort {
            descending: true,
            ..asc
        };
        desc.sort(&mut v);
        assert_eq!(names(&v), ["b", "a", "c"]);
        assert!(desc.is_after(&v[1], Some(&desc.cursor(&v[0]))));
        assert!(!desc.is_after(&v[0], Some(&desc.cursor(&v[0]))));
    }

    #[test]
    fn never_accessed_sorts_first() {
        let mut v = vec![
            secret("a", 0, Some(5)),
            secret("b", 0, None),
            secret("c", 0, Some(-5)),
        ];
        Sort {
            by: SortBy::LastAccessedDate,
            descending: false,
        }
        .sort(&mut v);
        assert_eq!(names(&v), ["b", "c", "a"]);
    }
}
