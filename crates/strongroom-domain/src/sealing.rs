//! The associated data of values sealed under the root key (AES-GCM AAD):
//! each binds a sealed value to the row it belongs to, so it cannot be moved
//! to another. Changing one makes every value sealed with it unreadable.
//! The access keys' is [`crate::iam::access_key_seal_context`]; the list of
//! every sealed column is the store's (`strongroom_store::sqlite::rewrap`).

/// KMS key material, by key id (`kms_keys.sealed_material`).
pub fn kms_key_seal_context(key_id: &str) -> Vec<u8> {
    format!("kms-key:{key_id}").into_bytes()
}

/// A value sealed in the `meta` table, by its key (`sealed.…`).
pub fn meta_seal_context(key: &str) -> Vec<u8> {
    format!("meta:{key}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_are_fixed() {
        assert_eq!(kms_key_seal_context("k1"), b"kms-key:k1");
        assert_eq!(meta_seal_context("sealed.x"), b"meta:sealed.x");
        assert_eq!(
            crate::iam::access_key_seal_context("AKIA1"),
            b"access-key:AKIA1"
        );
    }
}
