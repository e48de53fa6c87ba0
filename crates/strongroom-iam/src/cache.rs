//! The in-memory cache behind [`crate::Iam::identity_for_access_key`] and
//! [`crate::Iam::role_identity`], which run on every request.
//!
//! Identities (by access key id) and role identities (by account and role
//! name) are emptied after every IAM write commits. Race freedom: a reader
//! notes the generation before it reads the store and inserts only if no
//! write finished meanwhile; writers bump the generation and clear under the
//! same lock, after their commit and before their caller is answered.
//!
//! Parsed policies are cached apart, by kind and document text, and survive
//! invalidation: parsing is a pure function of the text, so an entry can
//! never be stale, and principals that share a policy (every user with
//! AdministratorAccess) share one parsed copy.

use crate::identity::{Identity, RoleIdentity};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use strongroom_policy::{Policy, PolicyError, PolicyKind};

/// Identities kept before the map starts over.
const MAX_IDENTITIES: usize = 10_000;
/// Parsed documents kept (per kind) before the map starts over.
const MAX_PARSED: usize = 4_096;

pub(crate) struct IdentityCache {
    /// False when another process may write the store: then nothing is
    /// cached but parsed policies.
    enabled: bool,
    state: RwLock<State>,
    parsed: RwLock<Parsed>,
}

#[derive(Default)]
struct State {
    generation: u64,
    by_access_key: HashMap<String, Arc<Identity>>,
    /// Keyed by (account, role name in lower case): names ignore case.
    roles: HashMap<(String, String), Arc<RoleIdentity>>,
}

#[derive(Default)]
struct Parsed {
    identity: HashMap<String, Arc<Policy>>,
    trust: HashMap<String, Arc<Policy>>,
}

impl Parsed {
    fn get(&self, kind: PolicyKind, document: &str) -> Option<Arc<Policy>> {
        match kind {
            PolicyKind::Identity => self.identity.get(document).cloned(),
            PolicyKind::Trust => self.trust.get(document).cloned(),
            PolicyKind::Resource | PolicyKind::Session => None,
        }
    }

    fn map(&mut self, kind: PolicyKind) -> Option<&mut HashMap<String, Arc<Policy>>> {
        match kind {
            PolicyKind::Identity => Some(&mut self.identity),
            PolicyKind::Trust => Some(&mut self.trust),
            PolicyKind::Resource | PolicyKind::Session => None,
        }
    }
}

/// The key of a role identity.
pub(crate) fn role_key(account: &str, role_name: &str) -> (String, String) {
    (account.to_owned(), role_name.to_ascii_lowercase())
}

impl IdentityCache {
    pub(crate) fn new(enabled: bool) -> IdentityCache {
        IdentityCache {
            enabled,
            state: RwLock::new(State::default()),
            parsed: RwLock::new(Parsed::default()),
        }
    }

    pub(crate) fn identity(&self, access_key_id: &str) -> Option<Arc<Identity>> {
        if !self.enabled {
            return None;
        }
        self.state
            .read()
            .ok()?
            .by_access_key
            .get(access_key_id)
            .cloned()
    }

    pub(crate) fn role(&self, key: &(String, String)) -> Option<Arc<RoleIdentity>> {
        if !self.enabled {
            return None;
        }
        self.state.read().ok()?.roles.get(key).cloned()
    }

    /// The generation to pass to the `insert_*` methods after reading.
    pub(crate) fn generation(&self) -> u64 {
        self.state.read().map(|s| s.generation).unwrap_or(u64::MAX)
    }

    pub(crate) fn insert_identity(&self, seen: u64, access_key_id: String, value: Arc<Identity>) {
        if !self.enabled {
            return;
        }
        if let Ok(mut state) = self.state.write()
            && state.generation == seen
        {
            if state.by_access_key.len() >= MAX_IDENTITIES {
                state.by_access_key.clear();
            }
            state.by_access_key.insert(access_key_id, value);
        }
    }

    pub(crate) fn insert_role(&self, seen: u64, key: (String, String), value: Arc<RoleIdentity>) {
        if !self.enabled {
            return;
        }
        if let Ok(mut state) = self.state.write()
            && state.generation == seen
        {
            if state.roles.len() >= MAX_IDENTITIES {
                state.roles.clear();
            }
            state.roles.insert(key, value);
        }
    }

    /// Forgets every identity; called after every IAM write.
    pub(crate) fn invalidate(&self) {
        if let Ok(mut state) = self.state.write() {
            state.generation = state.generation.wrapping_add(1);
            state.by_access_key.clear();
            state.roles.clear();
        }
    }

    /// `document` parsed as `kind`, from the cache if it was parsed before.
    pub(crate) fn parse(
        &self,
        document: &str,
        kind: PolicyKind,
    ) -> Result<Arc<Policy>, PolicyError> {
        if let Some(hit) = self.parsed.read().ok().and_then(|p| p.get(kind, document)) {
            return Ok(hit);
        }
        let policy = Arc::new(Policy::parse(document, kind)?);
        if let Ok(mut parsed) = self.parsed.write()
            && let Some(map) = parsed.map(kind)
        {
            if map.len() >= MAX_PARSED {
                map.clear();
            }
            map.insert(document.to_owned(), policy.clone());
        }
        Ok(policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strongroom_domain::iam::{ADMINISTRATOR_ACCESS, AccessKeyStatus};
    use zeroize::Zeroizing;

    fn identity(name: &str) -> Arc<Identity> {
        Arc::new(Identity {
            account: "123456789012".into(),
            user_name: name.into(),
            user_id: "AIDA".into(),
            user_arn: String::new(),
            user_path: "/".into(),
            user_tags: vec![],
            access_key_id: "AKIA".into(),
            access_key_status: AccessKeyStatus::Active,
            secret_access_key: Zeroizing::new(String::new()),
            policies: vec![],
        })
    }

    #[test]
    fn stale_reads_are_not_inserted() {
        let cache = IdentityCache::new(true);
        let seen = cache.generation();
        cache.invalidate(); // a write committed while we were reading
        cache.insert_identity(seen, "AKIA1".into(), identity("old"));
        assert!(cache.identity("AKIA1").is_none());
        let seen = cache.generation();
        cache.insert_identity(seen, "AKIA1".into(), identity("new"));
        assert_eq!(
            cache
                .identity("AKIA1")
                .map(|i| i.user_name.clone())
                .as_deref(),
            Some("new")
        );
        cache.invalidate();
        assert!(cache.identity("AKIA1").is_none());
    }

    #[test]
    fn a_disabled_cache_keeps_no_identities_but_still_shares_parsed_policies() {
        let cache = IdentityCache::new(false);
        cache.insert_identity(cache.generation(), "AKIA1".into(), identity("x"));
        assert!(cache.identity("AKIA1").is_none());
        let a = cache
            .parse(ADMINISTRATOR_ACCESS.document, PolicyKind::Identity)
            .expect("parses");
        let b = cache
            .parse(ADMINISTRATOR_ACCESS.document, PolicyKind::Identity)
            .expect("parses");
        assert!(Arc::ptr_eq(&a, &b), "one parsed copy is shared");
        cache.invalidate();
        let c = cache
            .parse(ADMINISTRATOR_ACCESS.document, PolicyKind::Identity)
            .expect("parses");
        assert!(Arc::ptr_eq(&a, &c), "parsed policies survive invalidation");
        assert!(cache.parse("{", PolicyKind::Identity).is_err());
    }
}
