//! EncryptionContext: the name-value pairs bound into a ciphertext.

use std::collections::BTreeMap;

/// An encryption context; order-insensitive (a map), case-sensitive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EncryptionContext(pub BTreeMap<String, String>);

impl EncryptionContext {
    /// The canonical bytes that authenticate the context: pairs in key
    /// order, each name and value prefixed by its length (u32, big-endian),
    /// so that no two contexts share an encoding.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (k, v) in &self.0 {
            for s in [k, v] {
                out.extend_from_slice(&(s.len() as u32).to_be_bytes());
                out.extend_from_slice(s.as_bytes());
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
        EncryptionContext(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn canonical_form_ignores_order_and_is_unambiguous() {
        assert_eq!(
            ctx(&[("a", "1"), ("b", "2")]).canonical_bytes(),
            ctx(&[("b", "2"), ("a", "1")]).canonical_bytes()
        );
        assert_ne!(
            ctx(&[("ab", "c")]).canonical_bytes(),
            ctx(&[("a", "bc")]).canonical_bytes()
        );
        assert!(EncryptionContext::default().canonical_bytes().is_empty());
    }
}
