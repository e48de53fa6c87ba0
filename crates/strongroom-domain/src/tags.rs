//! Tag rules from the TagResource documentation.

use crate::Error;
use std::collections::{HashMap, HashSet};

pub const MAX_TAGS: usize = 50;
const MAX_KEY_CHARS: usize = 128;
const MAX_VALUE_CHARS: usize = 256;
const RESERVED_PREFIX: &str = "aws:";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

fn check_tag(tag: &Tag) -> Result<(), Error> {
    let key_chars = tag.key.chars().count();
    if key_chars == 0 || key_chars > MAX_KEY_CHARS {
        return Err(Error::TagKeyLength);
    }
    if tag.value.chars().count() > MAX_VALUE_CHARS {
        return Err(Error::TagValueLength);
    }
    if tag.key.to_ascii_lowercase().starts_with(RESERVED_PREFIX)
        || tag.value.to_ascii_lowercase().starts_with(RESERVED_PREFIX)
    {
        return Err(Error::ReservedTagPrefix);
    }
    Ok(())
}

/// Tags a request adds (CreateSecret, TagResource): at most 50, each
/// valid. The count is checked first, so an oversized list costs nothing
/// more. Linear in the number of tags.
pub fn validate_tags(tags: &[Tag]) -> Result<(), Error> {
    if tags.len() > MAX_TAGS {
        return Err(Error::TooManyTags);
    }
    tags.iter().try_for_each(check_tag)
}

/// Tags given at creation: [`validate_tags`], and keys unique.
pub fn validate_new_tags(tags: &[Tag]) -> Result<(), Error> {
    validate_tags(tags)?;
    let mut seen = HashSet::with_capacity(tags.len());
    for tag in tags {
        if !seen.insert(tag.key.as_str()) {
            return Err(Error::DuplicateTagKey(tag.key.clone()));
        }
    }
    Ok(())
}

/// TagResource: existing keys get the new value, new keys are appended in
/// order (a key given twice keeps its last value). The result must still
/// hold at most 50 tags. Linear in the number of tags.
pub fn merge_tags(existing: &[Tag], new: &[Tag]) -> Result<Vec<Tag>, Error> {
    validate_tags(new)?;
    let mut merged = existing.to_vec();
    let mut position: HashMap<String, usize> = merged
        .iter()
        .enumerate()
        .map(|(i, t)| (t.key.clone(), i))
        .collect();
    for tag in new {
        match position.get(&tag.key) {
            Some(&i) => merged[i].value = tag.value.clone(),
            None => {
                position.insert(tag.key.clone(), merged.len());
                merged.push(tag.clone());
            }
        }
        if merged.len() > MAX_TAGS {
            return Err(Error::TooManyTags);
        }
    }
    Ok(merged)
}

/// Keys an UntagResource names: none may be reserved.
pub fn validate_tag_keys(keys: &[String]) -> Result<(), Error> {
    if keys
        .iter()
        .any(|key| key.to_ascii_lowercase().starts_with(RESERVED_PREFIX))
    {
        return Err(Error::ReservedTagPrefix);
    }
    Ok(())
}

/// UntagResource: keys that are not there are ignored. Linear in the
/// number of tags and keys.
pub fn remove_tags(existing: &[Tag], keys: &[String]) -> Result<Vec<Tag>, Error> {
    validate_tag_keys(keys)?;
    let keys: HashSet<&str> = keys.iter().map(String::as_str).collect();
    Ok(existing
        .iter()
        .filter(|t| !keys.contains(t.key.as_str()))
        .cloned()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(k: &str, v: &str) -> Tag {
        Tag {
            key: k.into(),
            value: v.into(),
        }
    }

    #[test]
    fn merge_overwrites_and_appends() {
        let merged = merge_tags(
            &[tag("a", "1"), tag("b", "2")],
            &[tag("b", "3"), tag("c", "4")],
        )
        .unwrap();
        assert_eq!(merged, vec![tag("a", "1"), tag("b", "3"), tag("c", "4")]);
        // A key given twice keeps its last value, in its first position.
        let merged = merge_tags(&[tag("a", "1")], &[tag("c", "1"), tag("c", "2")]).unwrap();
        assert_eq!(merged, vec![tag("a", "1"), tag("c", "2")]);
    }

    #[test]
    fn the_count_is_checked_before_any_tag() {
        // 51 tags, each of them invalid: the count is what is reported.
        let many: Vec<Tag> = (0..51).map(|_| tag("", "v")).collect();
        assert_eq!(validate_tags(&many), Err(Error::TooManyTags));
        assert_eq!(validate_new_tags(&many), Err(Error::TooManyTags));
        assert_eq!(merge_tags(&[], &many), Err(Error::TooManyTags));
        let many: Vec<Tag> = (0..50).map(|_| tag("", "v")).collect();
        assert_eq!(validate_tags(&many), Err(Error::TagKeyLength));
    }

    #[test]
    fn limits() {
        let many: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
        assert_eq!(validate_new_tags(&many), Err(Error::TooManyTags));
        assert_eq!(validate_new_tags(&many[..50]), Ok(()));
        assert_eq!(
            merge_tags(&many[..50], &[tag("x", "y")]),
            Err(Error::TooManyTags)
        );
        assert_eq!(
            validate_new_tags(&[tag("aws:x", "v")]),
            Err(Error::ReservedTagPrefix)
        );
        assert_eq!(validate_new_tags(&[tag("", "v")]), Err(Error::TagKeyLength));
        assert_eq!(
            validate_new_tags(&[tag(&"k".repeat(129), "v")]),
            Err(Error::TagKeyLength)
        );
        assert_eq!(
            validate_new_tags(&[tag("k", &"v".repeat(257))]),
            Err(Error::TagValueLength)
        );
        assert_eq!(
            validate_new_tags(&[tag("k", "1"), tag("k", "2")]),
            Err(Error::DuplicateTagKey("k".into()))
        );
        assert_eq!(
            remove_tags(&[tag("a", "1"), tag("b", "2")], &["a".into(), "zz".into()]).unwrap(),
            vec![tag("b", "2")]
        );
    }
}
