//! IAM's tag rules for users and roles: keys compare without regard to
//! case, a tag with an existing key replaces it, at most 50 per entity.

use crate::error::{IamError, Limit};
use crate::model::Page;
use strongroom_domain::Tag;

/// Tags an IAM entity may carry.
const MAX_TAGS: usize = 50;

fn same_key(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// `existing` with `new` applied: a new tag whose key matches an existing
/// one (ignoring case) replaces it in place, others are appended in order.
pub(crate) fn merged(mut existing: Vec<Tag>, new: &[Tag]) -> Result<Vec<Tag>, IamError> {
    for tag in new {
        match existing.iter_mut().find(|t| same_key(&t.key, &tag.key)) {
            Some(t) => *t = tag.clone(),
            None => existing.push(tag.clone()),
        }
    }
    if existing.len() > MAX_TAGS {
        return Err(IamError::LimitExceeded(Limit::Tags));
    }
    Ok(existing)
}

/// `existing` without the tags whose keys are in `keys` (ignoring case);
/// keys that match nothing are ignored, as IAM does.
pub(crate) fn without(existing: Vec<Tag>, keys: &[String]) -> Vec<Tag> {
    existing
        .into_iter()
        .filter(|t| !keys.iter().any(|k| same_key(k, &t.key)))
        .collect()
}

/// One page of tags ordered by key (ignoring case), resuming after the key
/// in `marker`.
pub(crate) fn page(mut tags: Vec<Tag>, marker: Option<&str>, max: usize) -> Page<Tag> {
    tags.sort_by_key(|t| t.key.to_lowercase());
    let after = marker.map(|m| decode_marker(m).to_lowercase());
    let rest: Vec<Tag> = tags
        .into_iter()
        .filter(|t| after.as_ref().is_none_or(|m| &t.key.to_lowercase() > m))
        .take(max.saturating_add(1))
        .collect();
    Page::cut(rest, max, |t| encode_marker(&t.key))
}

/// A tag key as a marker. Markers must match `[\u0020-\u00FF]+`, tag keys
/// may hold any letter: bytes outside printable ASCII, and `%`, are
/// percent-encoded.
fn encode_marker(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if (0x20..0x7F).contains(&b) && b != b'%' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The inverse of [`encode_marker`]; anything malformed is taken literally.
fn decode_marker(marker: &str) -> String {
    let bytes = marker.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(k: &str, v: &str) -> Tag {
        Tag {
            key: k.into(),
            value: v.into(),
        }
    }

    #[test]
    fn merging_replaces_keys_regardless_of_case_and_appends_the_rest() {
        let merged = merged(
            vec![t("Env", "dev"), t("team", "a")],
            &[t("ENV", "prod"), t("new", "1")],
        )
        .expect("merge");
        assert_eq!(
            merged,
            vec![t("ENV", "prod"), t("team", "a"), t("new", "1")]
        );
    }

    #[test]
    fn more_than_50_tags_are_refused() {
        let existing: Vec<Tag> = (0..50).map(|i| t(&format!("k{i}"), "")).collect();
        assert!(merged(existing.clone(), &[t("K0", "x")]).is_ok());
        assert!(matches!(
            merged(existing, &[t("k50", "x")]),
            Err(IamError::LimitExceeded(Limit::Tags))
        ));
    }

    #[test]
    fn removing_ignores_case_and_unknown_keys() {
        assert_eq!(
            without(vec![t("a", "1"), t("B", "2")], &["b".into(), "zz".into()]),
            vec![t("a", "1")]
        );
    }

    #[test]
    fn markers_of_non_ascii_keys_are_ascii_and_round_trip() {
        for key in ["plain", "日本", "100%", "é/x y"] {
            let m = encode_marker(key);
            assert!(m.bytes().all(|b| (0x20..0x7F).contains(&b)), "{m}");
            assert_eq!(decode_marker(&m), key);
        }
        assert_eq!(decode_marker("%zz"), "%zz");
        let tags = vec![t("日本", ""), t("a", ""), t("ü", "")];
        let first = page(tags.clone(), None, 1);
        let rest = page(tags, first.marker.as_deref(), 5);
        assert_eq!(rest.items, vec![t("ü", ""), t("日本", "")]);
    }

    #[test]
    fn pages_follow_the_key_order() {
        let tags = vec![t("c", ""), t("A", ""), t("b", "")];
        let first = page(tags.clone(), None, 2);
        assert_eq!(first.items, vec![t("A", ""), t("b", "")]);
        assert_eq!(first.marker.as_deref(), Some("b"));
        let second = page(tags, first.marker.as_deref(), 2);
        assert_eq!(second.items, vec![t("c", "")]);
        assert!(!second.is_truncated);
    }
}
