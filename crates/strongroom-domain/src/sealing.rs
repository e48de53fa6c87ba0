//! The associated data of values sealed under the root key (AES-GCM AAD):
//! each binds a sealed value to the row it belongs to, so it cannot be moved
//! to another. Changing one makes every value sealed with it unreadable.
//! The access keys' is [`crate::iam::access_key_seal_context`]; the list of
//! every sealed column is the store's (`strongroom_store::sqlite::rewrap`).

/// A generation of KMS key material (`kms_key_material.sealed_material`).
/// Generation 1 keeps the form of schema V4's one row per key
/// (`kms-key:{id}`), so material sealed before V5 still opens.
pub fn kms_material_seal_context(key_id: &str, generation: u32) -> Vec<u8> {
    if generation == 1 {
        format!("kms-key:{key_id}").into_bytes()
    } else {
        format!("kms-key:{key_id}:{generation}").into_bytes()
    }
}

/// [`kms_material_seal_context`] of a material row named `{key_id}:{generation}`
/// (the rewrap list's composite key); an unparsable name gets an AAD nothing
/// was sealed with, so its value fails to open instead of opening wrongly.
pub fn kms_material_row_seal_context(row: &str) -> Vec<u8> {
    match row.rsplit_once(':').map(|(id, g)| (id, g.parse::<u32>())) {
        Some((id, Ok(generation))) => kms_material_seal_context(id, generation),
        _ => format!("kms-key-unparsable-row:{row}").into_bytes(),
    }
}

/// Schema V4's KMS key material, one row per key (`kms_keys.sealed_material`
/// before V5): what start-up may meet before migrations run.
pub fn kms_key_v4_seal_context(key_id: &str) -> Vec<u8> {
    kms_material_seal_context(key_id, 1)
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
        assert_eq!(kms_key_v4_seal_context("k1"), b"kms-key:k1");
        assert_eq!(kms_material_seal_context("k1", 1), b"kms-key:k1");
        assert_eq!(kms_material_seal_context("k1", 2), b"kms-key:k1:2");
        assert_eq!(kms_material_row_seal_context("k1:2"), b"kms-key:k1:2");
        assert_eq!(kms_material_row_seal_context("k1:1"), b"kms-key:k1");
        assert_ne!(kms_material_row_seal_context("k1"), b"kms-key:k1");
        assert_eq!(meta_seal_context("sealed.x"), b"meta:sealed.x");
        assert_eq!(
            crate::iam::access_key_seal_context("AKIA1"),
            b"access-key:AKIA1"
        );
    }
}
