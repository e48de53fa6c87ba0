//! A secret, its versions, and the staging-label state machine.
//!
//! Architecture Invariant: a staging label sits on at most one version (the
//! `stages` map is keyed by label), and whoever loses AWSCURRENT to another
//! version gets AWSPREVIOUS.

use crate::{Error, Rotation, Tag, Timestamp};
use std::collections::BTreeMap;

pub const AWSCURRENT: &str = "AWSCURRENT";
pub const AWSPREVIOUS: &str = "AWSPREVIOUS";
pub const AWSPENDING: &str = "AWSPENDING";

/// At most this many labels on one version (model: `SecretVersionStagesType` max 20).
pub const MAX_STAGES_PER_VERSION: usize = 20;
/// Deprecated versions beyond this count are removed, oldest first...
pub const MAX_VERSIONS: usize = 100;
/// ...but never before they are this old (milliseconds): AWS keeps every
/// version for 24 hours, so a burst of writes removes no acknowledged value.
pub const MIN_VERSION_AGE_MS: i64 = 24 * 60 * 60 * 1000;
/// The default cap on one secret's versions, young ones included: a write
/// that would go past it is refused (LimitExceededException) rather than
/// let a secret grow without bound while its versions are too young to
/// remove. 1,000 sustains a new version every ~96 s (100 old ones plus a
/// day's worth); AWS advises no more than one every 10 minutes.
pub const DEFAULT_VERSION_CAP: usize = 1000;

/// A plaintext secret value. Its `Debug` never prints the bytes.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretValue {
    String(String),
    Binary(Vec<u8>),
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretValue::String(_) => f.write_str("SecretValue::String(<redacted>)"),
            SecretValue::Binary(_) => f.write_str("SecretValue::Binary(<redacted>)"),
        }
    }
}

/// One version's metadata. The encrypted value lives in the store beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// The ClientRequestToken that created it, verbatim.
    pub id: String,
    pub created: Timestamp,
    /// Day-granular; `None` until the version is first read.
    pub last_accessed: Option<Timestamp>,
    /// False for the value-less AWSPENDING version rotation registers.
    pub has_value: bool,
}

/// A secret's metadata, versions and labels: the aggregate every write loads,
/// changes with the methods below, and hands back to the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    pub arn: String,
    pub name: String,
    pub region: String,
    pub account: String,
    pub description: Option<String>,
    /// Only set for a customer managed key; `None` means `aws/secretsmanager`.
    pub kms_key_id: Option<String>,
    /// `Type` (managed external secrets); kept and echoed, not interpreted.
    pub secret_type: Option<String>,
    pub created: Timestamp,
    pub last_changed: Timestamp,
    pub last_accessed: Option<Timestamp>,
    /// When DeleteSecret was called; `Some` while scheduled for deletion.
    pub deleted: Option<Timestamp>,
    /// When the background job may purge it.
    pub purge_after: Option<Timestamp>,
    /// `None` until first tagged; `Some(vec![])` after all tags are removed.
    pub tags: Option<Vec<Tag>>,
    /// The resource policy (JSON, as put), which takes part in every
    /// authorization decision on the secret.
    pub resource_policy: Option<String>,
    /// Ordered by creation time, oldest first.
    pub versions: Vec<Version>,
    /// Label → version id.
    pub stages: BTreeMap<String, String>,
    /// `None` until RotateSecret first configured rotation.
    pub rotation: Option<Rotation>,
}

impl Secret {
    pub fn is_scheduled_for_deletion(&self) -> bool {
        self.deleted.is_some()
    }

    /// Fails with the "marked for deletion" error AWS consumers match on.
    pub fn ensure_not_deleted(&self) -> Result<(), Error> {
        if self.is_scheduled_for_deletion() {
            Err(Error::MarkedForDeletion)
        } else {
            Ok(())
        }
    }

    pub fn version(&self, id: &str) -> Option<&Version> {
        self.versions.iter().find(|v| v.id == id)
    }

    pub fn version_mut(&mut self, id: &str) -> Option<&mut Version> {
        self.versions.iter_mut().find(|v| v.id == id)
    }

    pub fn holder_of(&self, stage: &str) -> Option<&str> {
        self.stages.get(stage).map(String::as_str)
    }

    /// The labels on one version, in label order.
    pub fn stages_of(&self, version_id: &str) -> Vec<String> {
        self.stages
            .iter()
            .filter(|(_, v)| *v == version_id)
            .map(|(s, _)| s.clone())
            .collect()
    }

    /// Version id → its labels, for labelled versions only (deprecated ones
    /// are left out, as AWS does in `VersionIdsToStages`).
    pub fn version_stage_map(&self) -> BTreeMap<String, Vec<String>> {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (stage, version) in &self.stages {
            map.entry(version.clone()).or_default().push(stage.clone());
        }
        map
    }

    fn move_stage(&mut self, stage: &str, to: &str) {
        self.stages.insert(stage.to_owned(), to.to_owned());
    }

    /// Moves AWSCURRENT to `to`; the former holder becomes AWSPREVIOUS.
    fn move_current(&mut self, to: &str) {
        if let Some(old) = self.holder_of(AWSCURRENT).map(str::to_owned)
            && old != to
        {
            self.move_stage(AWSPREVIOUS, &old);
        }
        self.move_stage(AWSCURRENT, to);
    }

    /// Adds a new version and attaches `stages` to it (PutSecretValue,
    /// UpdateSecret, CreateSecret). `None` means the default `[AWSCURRENT]`.
    /// The first version of a secret always gets AWSCURRENT.
    ///
    /// Returns the labels the new version ends up with.
    pub fn add_version(
        &mut self,
        version: Version,
        stages: Option<&[String]>,
    ) -> Result<Vec<String>, Error> {
        let id = version.id.clone();
        self.versions.push(version);
        self.attach_new_value_stages(&id, stages)
    }

    /// Gives the value-less version `id` (the AWSPENDING placeholder a
    /// rotation registered) its value, with the labels a PutSecretValue of
    /// a new version would get (`add_version`).
    pub fn fill_version(
        &mut self,
        id: &str,
        stages: Option<&[String]>,
    ) -> Result<Vec<String>, Error> {
        match self.version_mut(id) {
            Some(v) if !v.has_value => v.has_value = true,
            _ => return Err(Error::VersionNotFound(id.to_owned())),
        }
        self.attach_new_value_stages(id, stages)
    }

    /// The labels a new value `id` takes (None: `[AWSCURRENT]`).
    fn attach_new_value_stages(
        &mut self,
        id: &str,
        stages: Option<&[String]>,
    ) -> Result<Vec<String>, Error> {
        let mut wanted: Vec<String> = match stages {
            Some(s) => s.to_vec(),
            None => vec![AWSCURRENT.to_owned()],
        };
        if self.holder_of(AWSCURRENT).is_none() && !wanted.iter().any(|s| s == AWSCURRENT) {
            wanted.push(AWSCURRENT.to_owned());
        }
        wanted.dedup();
        if wanted.len() > MAX_STAGES_PER_VERSION {
            return Err(Error::TooManyStages);
        }
        if wanted.iter().any(|s| s == AWSCURRENT) {
            // AWS drops AWSPENDING from a version that loses AWSCURRENT to a
            // new value: the pending rotation it stood for is superseded.
            if let Some(old) = self.holder_of(AWSCURRENT).map(str::to_owned)
                && self.holder_of(AWSPENDING) == Some(old.as_str())
                && !wanted.iter().any(|s| s == AWSPENDING)
            {
                self.stages.remove(AWSPENDING);
            }
            self.move_current(id);
        }
        for stage in wanted.iter().filter(|s| *s != AWSCURRENT) {
            self.move_stage(stage, id);
        }
        Ok(self.stages_of(id))
    }

    /// UpdateSecretVersionStage: move `stage` to `move_to`, or take it off
    /// `remove_from`. A label held elsewhere may only move when the caller
    /// names its holder in `remove_from`.
    pub fn update_version_stage(
        &mut self,
        stage: &str,
        remove_from: Option<&str>,
        move_to: Option<&str>,
    ) -> Result<(), Error> {
        for id in [remove_from, move_to].into_iter().flatten() {
            if self.version(id).is_none() {
                return Err(Error::NotAValidVersion(id.to_owned()));
            }
        }
        let holder = self.holder_of(stage).map(str::to_owned);
        match move_to {
            Some(target) => {
                if let Some(h) = &holder {
                    if h != target {
                        match remove_from {
                            None => {
                                return Err(Error::RemoveFromVersionRequired {
                                    stage: stage.to_owned(),
                                    holder: h.clone(),
                                });
                            }
                            Some(r) if r != h => {
                                return Err(Error::StageNotOnRemoveVersion {
                                    stage: stage.to_owned(),
                                    version: r.to_owned(),
                                });
                            }
                            Some(_) => {}
                        }
                    }
                } else if let Some(r) = remove_from {
                    return Err(Error::StageNotOnRemoveVersion {
                        stage: stage.to_owned(),
                        version: r.to_owned(),
                    });
                }
                if holder.as_deref() != Some(target)
                    && self.stages_of(target).len() >= MAX_STAGES_PER_VERSION
                {
                    return Err(Error::TooManyStages);
                }
                if stage == AWSCURRENT {
                    self.move_current(target);
                } else {
                    self.move_stage(stage, target);
                }
                Ok(())
            }
            None => {
                let Some(r) = remove_from else {
                    return Err(Error::NoVersionToMove);
                };
                if holder.as_deref() != Some(r) {
                    return Err(Error::StageNotOnRemoveVersion {
                        stage: stage.to_owned(),
                        version: r.to_owned(),
                    });
                }
                if stage == AWSCURRENT {
                    return Err(Error::CannotRemoveCurrent);
                }
                self.stages.remove(stage);
                Ok(())
            }
        }
    }

    /// A rotation is in progress: AWSPENDING sits on a version that is not
    /// AWSCURRENT (how AWS tells, per RotateSecret's documentation).
    pub fn rotation_in_progress(&self) -> bool {
        match self.holder_of(AWSPENDING) {
            Some(pending) => self.holder_of(AWSCURRENT) != Some(pending),
            None => false,
        }
    }

    /// After a caller's own new value became AWSCURRENT (PutSecretValue,
    /// UpdateSecret): it supersedes a rotation in progress, whose AWSPENDING
    /// label goes (the rotation job then records RotationAbandoned), and it
    /// counts as a rotation for AutomaticallyAfterDays, whose next window is
    /// computed from it (RotationRulesType's documentation).
    pub fn note_manual_current(&mut self, now: Timestamp) {
        if self.rotation_in_progress() {
            self.stages.remove(AWSPENDING);
        }
        if let Some(r) = self.rotation.as_mut()
            && r.enabled
            && let Some(rules) = r.rules.as_ref()
            && rules.automatically_after_days.is_some()
        {
            r.next_rotation = rules.next_window(now).map(|w| w.start);
        }
    }

    /// Registers `version` (no value yet) as AWSPENDING, before the first
    /// step of a rotation: rotation functions look for the token there.
    /// An existing version of that id only takes the label.
    pub fn add_pending_version(&mut self, version: Version) -> Result<(), Error> {
        let id = version.id.clone();
        if self.version(&id).is_none() {
            self.versions.push(version);
        } else if self.stages_of(&id).len() >= MAX_STAGES_PER_VERSION {
            return Err(Error::TooManyStages);
        }
        self.move_stage(AWSPENDING, &id);
        Ok(())
    }

    /// Drops the oldest deprecated (label-less) versions while there are
    /// more than [`MAX_VERSIONS`], but only those created at least
    /// [`MIN_VERSION_AGE_MS`] before `now`. Returns the ids removed.
    pub fn trim_deprecated_versions(&mut self, now: Timestamp) -> Vec<String> {
        let excess = self.versions.len().saturating_sub(MAX_VERSIONS);
        if excess == 0 {
            return Vec::new();
        }
        let labelled: std::collections::HashSet<&str> =
            self.stages.values().map(String::as_str).collect();
        let old_enough = now.0.saturating_sub(MIN_VERSION_AGE_MS);
        let mut removable: Vec<(Timestamp, usize)> = self
            .versions
            .iter()
            .enumerate()
            .filter(|(_, v)| !labelled.contains(v.id.as_str()) && v.created.0 <= old_enough)
            .map(|(i, v)| (v.created, i))
            .collect();
        removable.sort_unstable();
        removable.truncate(excess);
        let doomed: std::collections::HashSet<usize> = removable.iter().map(|&(_, i)| i).collect();
        let mut removed = Vec::with_capacity(doomed.len());
        let mut index = 0;
        self.versions.retain(|v| {
            let keep = !doomed.contains(&index);
            index += 1;
            if !keep {
                removed.push(v.id.clone());
            }
            keep
        });
        removed
    }

    /// Refuses a secret holding more than `cap` versions: called after a
    /// version was added and the old ones trimmed, so the write that would
    /// go past the cap fails (and is rolled back) instead.
    pub fn check_version_cap(&self, cap: usize) -> Result<(), Error> {
        if self.versions.len() > cap {
            return Err(Error::TooManyVersions {
                arn: self.arn.clone(),
                cap,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret {
        Secret {
            arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-abcdef".into(),
            name: "s".into(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            description: None,
            kms_key_id: None,
            secret_type: None,
            created: Timestamp(0),
            last_changed: Timestamp(0),
            last_accessed: None,
            deleted: None,
            purge_after: None,
            resource_policy: None,
            tags: None,
            versions: vec![],
            stages: BTreeMap::new(),
            rotation: None,
        }
    }

    fn v(id: &str, t: i64) -> Version {
        Version {
            id: id.into(),
            created: Timestamp(t),
            last_accessed: None,
            has_value: true,
        }
    }

    fn labels(s: &Secret, id: &str) -> Vec<String> {
        s.stages_of(id)
    }

    fn strs(x: &[&str]) -> Vec<String> {
        x.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn default_put_moves_current_and_previous() {
        let mut s = secret();
        s.add_version(v("v1", 1), None).unwrap();
        s.add_version(v("v2", 2), None).unwrap();
        s.add_version(v("v3", 3), None).unwrap();
        assert_eq!(labels(&s, "v3"), strs(&[AWSCURRENT]));
        assert_eq!(labels(&s, "v2"), strs(&[AWSPREVIOUS]));
        assert!(labels(&s, "v1").is_empty());
        assert_eq!(s.version_stage_map().len(), 2);
    }

    #[test]
    fn custom_labels_are_unique() {
        let mut s = secret();
        s.add_version(v("v1", 1), Some(&strs(&["one", "two", "three"])))
            .unwrap();
        // first version always gets AWSCURRENT
        assert!(labels(&s, "v1").contains(&AWSCURRENT.to_string()));
        s.add_version(v("v2", 2), Some(&strs(&["one", "two", "four"])))
            .unwrap();
        assert_eq!(labels(&s, "v1"), strs(&[AWSCURRENT, "three"]));
        assert_eq!(labels(&s, "v2"), strs(&["four", "one", "two"]));
    }

    #[test]
    fn put_with_current_and_custom() {
        let mut s = secret();
        s.add_version(v("v1", 1), None).unwrap();
        let got = s
            .add_version(v("v2", 2), Some(&strs(&[AWSCURRENT, "PUT0"])))
            .unwrap();
        assert_eq!(got, strs(&[AWSCURRENT, "PUT0"]));
        assert_eq!(labels(&s, "v1"), strs(&[AWSPREVIOUS]));
    }

    #[test]
    fn default_put_drops_pending_from_old_current() {
        let mut s = secret();
        s.add_version(v("v1", 1), None).unwrap();
        s.add_version(v("v2", 2), Some(&strs(&[AWSPENDING])))
            .unwrap();
        s.update_version_stage(AWSCURRENT, Some("v1"), Some("v2"))
            .unwrap();
        assert_eq!(labels(&s, "v2"), strs(&[AWSCURRENT, AWSPENDING]));
        assert_eq!(labels(&s, "v1"), strs(&[AWSPREVIOUS]));
        s.add_version(v("v3", 3), None).unwrap();
        assert_eq!(labels(&s, "v2"), strs(&[AWSPREVIOUS]));
        assert!(labels(&s, "v1").is_empty());
    }

    #[test]
    fn moving_current_requires_remove_from() {
        let mut s = secret();
        s.add_version(v("v1", 1), None).unwrap();
        s.add_version(v("v2", 2), Some(&strs(&["X"]))).unwrap();
        assert!(matches!(
            s.update_version_stage(AWSCURRENT, None, Some("v2")),
            Err(Error::RemoveFromVersionRequired { .. })
        ));
        assert!(matches!(
            s.update_version_stage(AWSCURRENT, Some("v2"), Some("v2")),
            Err(Error::StageNotOnRemoveVersion { .. })
        ));
        assert_eq!(
            s.update_version_stage("X", None, Some("nope")),
            Err(Error::NotAValidVersion("nope".into()))
        );
        assert_eq!(
            s.update_version_stage("X", None, None),
            Err(Error::NoVersionToMove)
        );
        s.update_version_stage("X", Some("v2"), None).unwrap();
        assert!(labels(&s, "v2").is_empty());
        assert_eq!(
            s.update_version_stage(AWSCURRENT, Some("v1"), None),
            Err(Error::CannotRemoveCurrent)
        );
    }

    const HOUR: i64 = 60 * 60 * 1000;

    #[test]
    fn trimming_keeps_labelled_versions() {
        let mut s = secret();
        for i in 0..105 {
            s.add_version(v(&format!("v{i:03}"), i), None).unwrap();
        }
        let removed = s.trim_deprecated_versions(Timestamp(104 + 25 * HOUR));
        assert_eq!(removed, ["v000", "v001", "v002", "v003", "v004"]);
        assert_eq!(s.versions.len(), MAX_VERSIONS);
        assert_eq!(s.holder_of(AWSCURRENT), Some("v104"));
        assert_eq!(s.holder_of(AWSPREVIOUS), Some("v103"));
    }

    #[test]
    fn versions_younger_than_a_day_are_never_trimmed() {
        let mut s = secret();
        for i in 0..150 {
            s.add_version(v(&format!("v{i:03}"), i * 1000), None)
                .unwrap();
        }
        // The newest is 149 s old; the oldest is not yet 24 h old.
        assert!(
            s.trim_deprecated_versions(Timestamp(24 * HOUR - 1))
                .is_empty()
        );
        assert_eq!(s.versions.len(), 150);
        // Once 24 h old, the first ten (at 0 s … 9 s) may go, and no more.
        let removed = s.trim_deprecated_versions(Timestamp(24 * HOUR + 9_000));
        assert_eq!(removed.len(), 10);
        assert_eq!(removed[0], "v000");
        assert_eq!(removed[9], "v009");
        assert_eq!(s.versions.len(), 140);
        // A day later, the oldest deprecated beyond 100 are gone.
        let removed = s.trim_deprecated_versions(Timestamp(49 * HOUR));
        assert_eq!(removed.len(), 40);
        assert_eq!(removed[0], "v010");
        assert_eq!(s.versions.len(), MAX_VERSIONS);
        assert_eq!(s.versions[0].id, "v050");
    }

    #[test]
    fn the_version_cap() {
        let mut s = secret();
        for i in 0..3 {
            s.add_version(v(&format!("v{i}"), i), None).unwrap();
        }
        assert_eq!(s.check_version_cap(3), Ok(()));
        assert_eq!(
            s.check_version_cap(2),
            Err(Error::TooManyVersions {
                arn: s.arn.clone(),
                cap: 2
            })
        );
        assert_eq!(
            Error::TooManyVersions {
                arn: "a".into(),
                cap: 2
            }
            .kind(),
            crate::ErrorKind::LimitExceeded
        );
    }

    #[test]
    fn too_many_stages() {
        let mut s = secret();
        let many: Vec<String> = (0..21).map(|i| format!("L{i}")).collect();
        assert_eq!(
            s.add_version(v("v1", 1), Some(&many)),
            Err(Error::TooManyStages)
        );
    }

    #[test]
    fn value_debug_is_redacted() {
        let shown = format!("{:?}", SecretValue::String("hunter2".into()));
        assert!(!shown.contains("hunter2"));
    }
}
