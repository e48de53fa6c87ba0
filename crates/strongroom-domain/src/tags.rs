//! Tag rules from the TagResource documentation.

use crate::Error;

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

/// Tags given at creation: each valid, keys unique, at most 50.
pub fn validate_new_tags(tags: &[Tag]) -> Result<(), Error> {
    for (i, tag) in tags.iter().enumerate() {
        check_tag(tag)?;
        if tags[..i].iter().any(|t| t.key == tag.key) {
            return Err(Error::DuplicateTagKey(tag.key.clone()));
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(Error::TooManyTags);
    }
    Ok(())
}

/// TagResource: existing keys get the new value, new keys are appended in
/// order. The result must still hold at most 50 tags.
pub fn merge_tags(existing: &[Tag], new: &[Tag]) -> Result<Vec<Tag>, Error> {
    let mut merged = existing.to_vec();
    for tag in new {
        check_tag(tag)?;
        match merged.iter_mut().find(|t| t.key == tag.key) {
            Some(t) => t.value = tag.value.clone(),
            None => merged.push(tag.clone()),
        }
    }
    if merged.len() > MAX_TAGS {
        return Err(Error::TooManyTags);
    }
    Ok(merged)
}

/// UntagResource: keys that are not there are ignored.
pub fn remove_tags(existing: &[Tag], keys: &[String]) -> Result<Vec<Tag>, Error> {
    for key in keys {
        if key.to_ascii_lowercase().starts_with(RESERVED_PREFIX) {
            return Err(Error::ReservedTagPrefix);
        }
    }
    Ok(existing
        .iter()
        .filter(|t| !keys.contains(&t.key))
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
