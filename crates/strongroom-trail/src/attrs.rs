//! What the index knows of an event: its lookup attribute values, read
//! from the stored JSON with a light parse, and the stable 64-bit keys
//! postings are filed under. The indexer and the re-check of lookup hits
//! use the same [`EventView::attributes`], so they cannot disagree.

use crate::event::{short_name_of, username_of};
use crate::lookup::LookupAttributeKey;
use serde::Deserialize;
use std::borrow::Cow;

/// The members of a stored [`crate::TrailEvent`] the index needs, borrowed
/// from the record where they need no unescaping; the rest is skipped
/// unparsed (this runs for every event).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EventView<'a> {
    #[serde(rename = "eventID", borrow)]
    pub event_id: Cow<'a, str>,
    #[serde(borrow)]
    pub event_name: Cow<'a, str>,
    #[serde(borrow)]
    pub event_source: Cow<'a, str>,
    #[serde(borrow)]
    pub event_time: Cow<'a, str>,
    pub read_only: bool,
    #[serde(default, borrow)]
    pub user_identity: IdentityView<'a>,
    #[serde(default, borrow)]
    pub resources: Vec<ResourceView<'a>>,
    #[serde(default, borrow)]
    pub request_parameters: Option<ParametersView<'a>>,
    #[serde(default, borrow)]
    pub recipient_account_id: Option<Cow<'a, str>>,
}

/// `userIdentity`, as far as lookups need it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IdentityView<'a> {
    #[serde(rename = "type", default, borrow)]
    pub kind: Cow<'a, str>,
    #[serde(default, borrow)]
    pub arn: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub access_key_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub user_name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub invoked_by: Option<Cow<'a, str>>,
}

/// One of `resources`.
#[derive(Debug, Deserialize)]
pub(crate) struct ResourceView<'a> {
    #[serde(rename = "ARN", borrow)]
    pub arn: Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
}

/// `requestParameters`: only the secret a call named. The member comes
/// from the client, whatever its JSON type: anything but a string is no
/// name, never a reason to fail the record's parse (which would hide the
/// event from every lookup).
#[derive(Debug, Deserialize)]
pub(crate) struct ParametersView<'a> {
    #[serde(
        rename = "secretId",
        default,
        borrow,
        deserialize_with = "string_or_none"
    )]
    pub secret_id: Option<Cow<'a, str>>,
}

/// A string member as itself; any other JSON value as `None`.
fn string_or_none<'de, D>(deserializer: D) -> Result<Option<Cow<'de, str>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Visitor;
    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(v)))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_owned())))
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            while map
                .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                .is_some()
            {}
            Ok(None)
        }
    }
    deserializer.deserialize_any(Visitor)
}

impl<'a> EventView<'a> {
    /// The view of an event about to be recorded (borrowed: no parse).
    pub(crate) fn of(event: &'a crate::TrailEvent) -> EventView<'a> {
        let identity = &event.user_identity;
        let borrowed = |s: &'a Option<String>| s.as_deref().map(Cow::Borrowed);
        EventView {
            event_id: Cow::Borrowed(&event.event_id),
            event_name: Cow::Borrowed(&event.event_name),
            event_source: Cow::Borrowed(&event.event_source),
            event_time: Cow::Borrowed(&event.event_time),
            read_only: event.read_only,
            user_identity: IdentityView {
                kind: Cow::Borrowed(&identity.kind),
                arn: borrowed(&identity.arn),
                access_key_id: borrowed(&identity.access_key_id),
                user_name: borrowed(&identity.user_name),
                invoked_by: borrowed(&identity.invoked_by),
            },
            resources: event
                .resources
                .iter()
                .map(|r| ResourceView {
                    arn: Cow::Borrowed(&r.arn),
                    kind: Cow::Borrowed(&r.kind),
                })
                .collect(),
            request_parameters: event.request_parameters.as_ref().map(|p| ParametersView {
                secret_id: p
                    .get("secretId")
                    .and_then(serde_json::Value::as_str)
                    .map(Cow::Borrowed),
            }),
            recipient_account_id: borrowed(&event.recipient_account_id),
        }
    }

    /// Where the index files this event: its time and posting keys, or
    /// `None` when LookupEvents cannot find it (no account, or a time that
    /// does not parse).
    pub(crate) fn postings(&self) -> Option<(i64, Vec<PostingKey>)> {
        let account = self.recipient_account_id.as_deref()?;
        let time = self.time()?;
        let mut keys: Vec<PostingKey> = Vec::with_capacity(12);
        keys.push(PostingKey::all(account));
        for (attribute, value) in self.attributes() {
            let key = PostingKey::of(attribute, value, account);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        Some((time, keys))
    }

    /// Parses a stored record.
    pub(crate) fn parse(record: &'a str) -> Result<EventView<'a>, serde_json::Error> {
        serde_json::from_str(record)
    }

    /// `eventTime` as Unix seconds.
    pub(crate) fn time(&self) -> Option<i64> {
        parse_event_time(&self.event_time)
    }

    /// LookupEvents' `Username` (as [`crate::TrailEvent::username`]).
    pub(crate) fn username(&self) -> Option<&str> {
        let identity = &self.user_identity;
        username_of(
            &identity.kind,
            identity.user_name.as_deref(),
            identity.arn.as_deref(),
            identity.invoked_by.as_deref(),
        )
    }

    /// Every (attribute, value) LookupEvents matches this event by; a value
    /// may come more than once.
    pub(crate) fn attributes(&self) -> Vec<(LookupAttributeKey, &str)> {
        use LookupAttributeKey as K;
        let mut out = Vec::with_capacity(8 + 3 * self.resources.len());
        out.push((K::EventId, &*self.event_id));
        out.push((K::EventName, &*self.event_name));
        out.push((K::EventSource, &*self.event_source));
        out.push((K::ReadOnly, if self.read_only { "true" } else { "false" }));
        if let Some(name) = self.username() {
            out.push((K::Username, name));
        }
        if let Some(key) = &self.user_identity.access_key_id {
            out.push((K::AccessKeyId, key));
        }
        for resource in &self.resources {
            out.push((K::ResourceType, &resource.kind));
            out.push((K::ResourceName, &resource.arn));
            if let Some(name) = short_name_of(&resource.kind, &resource.arn) {
                out.push((K::ResourceName, name));
            }
        }
        // A call on a missing or denied secret names it only here.
        if let Some(id) = self
            .request_parameters
            .as_ref()
            .and_then(|p| p.secret_id.as_deref())
        {
            out.push((K::ResourceName, id));
        }
        out
    }

    /// Whether the event has `value` for `attribute`.
    pub(crate) fn matches(&self, attribute: LookupAttributeKey, value: &str) -> bool {
        self.attributes()
            .iter()
            .any(|&(k, v)| k == attribute && v == value)
    }
}

/// [`EventView::postings`] packed into the audit log's tags for the tap
/// (computed where the event is built, so the follower need not parse it
/// back): `[1, time, key, fingerprint, key, fingerprint, …]` (a fingerprint
/// of `u64::MAX` is none), or `[0]` for an event the index skips.
pub(crate) fn pack_postings(postings: Option<(i64, Vec<PostingKey>)>) -> Vec<u64> {
    let Some((time, keys)) = postings else {
        return vec![0];
    };
    let mut tags = Vec::with_capacity(2 + 2 * keys.len());
    tags.push(1);
    tags.push(u64::from_ne_bytes(time.to_ne_bytes()));
    for key in keys {
        tags.push(u64::from_ne_bytes(key.key.to_ne_bytes()));
        tags.push(key.fingerprint.map_or(u64::MAX, u64::from));
    }
    tags
}

/// What [`pack_postings`] packed: `None` when the tags say nothing (the
/// record must be parsed), `Some(None)` for an event the index skips.
pub(crate) fn unpack_postings(tags: &[u64]) -> Option<Option<(i64, Vec<PostingKey>)>> {
    match tags {
        [0] => Some(None),
        [1, time, pairs @ ..] if pairs.len() % 2 == 0 => Some(Some((
            i64::from_ne_bytes(time.to_ne_bytes()),
            pairs
                .chunks_exact(2)
                .map(|pair| PostingKey {
                    key: i64::from_ne_bytes(pair[0].to_ne_bytes()),
                    fingerprint: u32::try_from(pair[1]).ok(),
                })
                .collect(),
        ))),
        _ => None,
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` (the only form [`crate::TrailEvent`] writes) as
/// Unix seconds.
pub(crate) fn parse_event_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        b[range].iter().try_fold(0i64, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Tags that keep keys of different attributes apart.
const TAG_ALL: u8 = 0;
const TAG_EVENT_ID_BUCKET: u8 = 100;

fn tag(attribute: LookupAttributeKey) -> u8 {
    use LookupAttributeKey as K;
    match attribute {
        K::EventId => 1,
        K::EventName => 2,
        K::ReadOnly => 3,
        K::Username => 4,
        K::ResourceType => 5,
        K::ResourceName => 6,
        K::EventSource => 7,
        K::AccessKeyId => 8,
    }
}

/// A fixed 64-bit hash of `tag ‖ len(value) ‖ value ‖ account`, eight
/// bytes at a time (little-endian words, multiply-rotate, Murmur3's final
/// mix): fixed, so keys stay valid across restarts and builds, and cheap,
/// since every event is hashed a dozen times. Collisions only cost a
/// re-check: every hit is matched against the record itself.
fn key_hash(tag: u8, value: &[u8], account: &str) -> u64 {
    let len = u64::try_from(value.len()).unwrap_or(u64::MAX);
    let mut h = mix(0x243f_6a88_85a3_08d3, u64::from(tag) | (len << 8));
    h = mix_bytes(h, value);
    h = mix_bytes(h, account.as_bytes());
    fmix64(h)
}

fn mix(h: u64, word: u64) -> u64 {
    (h ^ word)
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .rotate_left(29)
}

fn mix_bytes(mut h: u64, bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = mix(h, u64::from_le_bytes(word));
    }
    let rest = chunks.remainder();
    let mut word = [0u8; 8];
    word[..rest.len()].copy_from_slice(rest);
    // The remainder's length in the top byte: "ab" and "ab\0" differ.
    mix(h, u64::from_le_bytes(word) ^ ((rest.len() as u64) << 56))
}

fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// SQLite integers are signed; the bits are what matter.
fn as_key(h: u64) -> i64 {
    i64::from_ne_bytes(h.to_ne_bytes())
}

/// Where a posting is filed, and for EventId the fingerprint that tells
/// the bucket's entries apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PostingKey {
    pub key: i64,
    pub fingerprint: Option<u32>,
}

impl PostingKey {
    /// All events of `account`.
    pub(crate) fn all(account: &str) -> PostingKey {
        PostingKey {
            key: as_key(key_hash(TAG_ALL, b"", account)),
            fingerprint: None,
        }
    }

    /// Events of `account` with `value` for `attribute`. EventIds are
    /// unique, so a row per event would cost an index insert per event:
    /// they are filed in 256 buckets per account instead, each entry with a
    /// 32-bit fingerprint of the id.
    pub(crate) fn of(attribute: LookupAttributeKey, value: &str, account: &str) -> PostingKey {
        let h = key_hash(tag(attribute), value.as_bytes(), account);
        if attribute != LookupAttributeKey::EventId {
            return PostingKey {
                key: as_key(h),
                fingerprint: None,
            };
        }
        let bucket = h.to_be_bytes()[0];
        PostingKey {
            key: as_key(key_hash(TAG_EVENT_ID_BUCKET, &[bucket], account)),
            fingerprint: Some((h & 0xffff_ffff) as u32),
        }
    }
}

impl std::hash::Hash for PostingKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // Already a hash: one word for the map's hasher.
        state.write_u64(self.key as u64 ^ u64::from(self.fingerprint.unwrap_or(0)));
    }
}

/// A hasher for keys that are hashes already ([`PostingKey`]).
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = mix_bytes(self.0, bytes);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
}

/// A fingerprint of arbitrary parts (for NextToken's query check).
pub(crate) fn fingerprint(parts: &[&[u8]]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for part in parts {
        h = key_hash(0, part, "") ^ h.rotate_left(17);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{SessionAttributes, SessionContext, SessionIssuer, UserIdentity};

    #[test]
    fn event_times_parse_to_unix_seconds() {
        assert_eq!(parse_event_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_event_time("2026-12-01T17:46:39Z"),
            Some(1_796_147_199)
        );
        assert_eq!(parse_event_time("2000-02-29T12:00:00Z"), Some(951_825_600));
        for bad in [
            "2026-12-01 17:46:39Z",
            "2026-13-01T00:00:00Z",
            "2026-12-01T17:46:39",
            "x",
        ] {
            assert_eq!(parse_event_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn keys_are_stable_and_scoped() {
        use LookupAttributeKey as K;
        // Fixed values: the index on disk depends on them.
        assert_eq!(
            PostingKey::of(K::ResourceName, "db/prod", "000000000000").key,
            as_key(0x861c_8860_12b8_33a0)
        );
        assert_eq!(
            PostingKey::of(K::EventName, "a", "1"),
            PostingKey::of(K::EventName, "a", "1")
        );
        assert_ne!(
            PostingKey::of(K::EventName, "a", "1"),
            PostingKey::of(K::EventName, "a", "2")
        );
        assert_ne!(
            PostingKey::of(K::EventName, "a", "1"),
            PostingKey::of(K::Username, "a", "1")
        );
        assert_ne!(PostingKey::all("1"), PostingKey::all("2"));
        let id = PostingKey::of(K::EventId, "e1", "1");
        assert!(id.fingerprint.is_some());
    }

    #[test]
    fn username_matches_the_event_method() {
        let identities = [
            UserIdentity {
                kind: "IAMUser".into(),
                user_name: Some("alice".into()),
                ..UserIdentity::default()
            },
            UserIdentity {
                kind: "AssumedRole".into(),
                arn: Some("arn:aws:sts::1:assumed-role/r/session".into()),
                session_context: Some(SessionContext {
                    session_issuer: Some(SessionIssuer::default()),
                    attributes: SessionAttributes::default(),
                }),
                ..UserIdentity::default()
            },
            UserIdentity {
                kind: "AWSService".into(),
                invoked_by: Some("secretsmanager.amazonaws.com".into()),
                ..UserIdentity::default()
            },
            UserIdentity::default(),
        ];
        for identity in identities {
            let event = crate::TrailEvent {
                event_version: "1.09".into(),
                user_identity: identity.clone(),
                event_time: "2026-01-01T00:00:00Z".into(),
                event_source: "s".into(),
                event_name: "n".into(),
                aws_region: "r".into(),
                source_ip_address: "i".into(),
                user_agent: "u".into(),
                error_code: None,
                error_message: None,
                request_parameters: None,
                response_elements: None,
                additional_event_data: None,
                request_id: None,
                event_id: "e".into(),
                read_only: true,
                resources: vec![],
                event_type: "AwsApiCall".into(),
                management_event: true,
                recipient_account_id: None,
                event_category: "Management".into(),
            };
            let stored = serde_json::to_string(&event).unwrap();
            let view = EventView::parse(&stored).unwrap();
            assert_eq!(view.username(), event.username());
        }
    }

    /// The keys the recorder packs from the struct are the ones the index
    /// would find by parsing the stored record (the catch-up path).
    #[test]
    fn packed_postings_match_the_parsed_record() {
        use crate::event::Resource;
        let mut event: crate::TrailEvent = serde_json::from_value(serde_json::json!({
            "eventVersion": "1.09",
            "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/r/sess", "accessKeyId": "ASIA1", "accountId": "111122223333"},
            "eventTime": "2026-12-01T10:11:12Z",
            "eventSource": "secretsmanager.amazonaws.com",
            "eventName": "GetSecretValue",
            "awsRegion": "us-east-1",
            "sourceIPAddress": "127.0.0.1",
            "userAgent": "t",
            "requestParameters": {"secretId": "db/prod", "versionStage": "AWSCURRENT"},
            "responseElements": null,
            "eventID": "e-1",
            "readOnly": true,
            "eventType": "AwsApiCall",
            "managementEvent": true,
            "recipientAccountId": "111122223333",
            "eventCategory": "Management"
        }))
        .unwrap();
        event.resources.push(Resource {
            arn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:db/prod-AbCdEf".into(),
            account_id: "111122223333".into(),
            kind: "AWS::SecretsManager::Secret".into(),
        });
        let packed = pack_postings(EventView::of(&event).postings());
        let stored = serde_json::to_string(&event).unwrap();
        let parsed = EventView::parse(&stored).unwrap().postings();
        assert!(parsed.as_ref().is_some_and(|(_, keys)| keys.len() >= 9));
        assert_eq!(unpack_postings(&packed), Some(parsed));
        // No account: skipped either way.
        event.recipient_account_id = None;
        assert_eq!(pack_postings(EventView::of(&event).postings()), vec![0]);
        assert_eq!(unpack_postings(&[0]), Some(None));
        assert_eq!(unpack_postings(&[]), None);
    }

    /// A client's `secretId` of any JSON type never fails the parse.
    #[test]
    fn a_secret_id_of_any_type_parses() {
        for id in ["0", "null", "true", "[1,{\"a\":2}]", "{\"x\":[]}", "1.5"] {
            let record = format!(
                r#"{{"eventID":"e","eventName":"n","eventSource":"s","eventTime":"2026-12-01T00:00:00Z","readOnly":true,"requestParameters":{{"secretId":{id}}},"recipientAccountId":"1"}}"#
            );
            let view = EventView::parse(&record).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(view.request_parameters.unwrap().secret_id, None);
        }
    }
}
