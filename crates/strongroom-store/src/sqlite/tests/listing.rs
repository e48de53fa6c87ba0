//! The listing part of the conformance suite: a store's pages, followed to
//! the end, are exactly the in-memory filter and sort of the domain
//! (`filter::matches_all`, `listing::Sort`) over random secrets, filters
//! and sorts (seeded, so a failure repeats), after random updates and
//! deletes; and the SQLite backend's plans and its V3 → V4 migration.

use super::open;
use crate::sqlite::{ListingLimits, SqliteStore, schema};
use crate::{SecretQuery, Store, StoredValue, save_secret};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use std::sync::Arc;
use strongroom_domain::filter::{Filter, FilterKey, matches_all};
use strongroom_domain::listing::{Cursor, Sort, SortBy};
use strongroom_domain::{Secret, Tag, Timestamp, Version};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "eu-west-2";

/// Name parts: ASCII, as names are; case changes and separators make words.
const NAME_PARTS: &[&str] = &[
    "app",
    "App",
    "Beta",
    "prod",
    "PROD",
    "db",
    "x",
    "team1",
    "team2",
    "COMPANYthings",
    "api",
    "payments",
    "a",
];
/// Text parts for descriptions and tags: some not ASCII, some long.
const TEXT_PARTS: &[&str] = &[
    "app",
    "Beta",
    "prod",
    "Straße",
    "İstanbul",
    "ΣΊΣΥΦΟΣ",
    "ops",
    "corp",
    "rotated",
    "Supercalifragilisticexpialidocious",
    "2go",
    "a",
];
const JOINS: &[&str] = &["", "/", "-", "_", ".", "@", "+", "="];
const TAG_KEYS: &[&str] = &["Env", "env", "CostCenter", "team", "Owner", "aws-x"];

fn text(rng: &mut StdRng, parts: &[&str], joins: &[&str], n: usize) -> String {
    let mut t = String::new();
    for i in 0..n {
        if i > 0 {
            t.push_str(joins.choose(rng).copied().unwrap_or_default());
        }
        t.push_str(parts.choose(rng).copied().unwrap_or_default());
    }
    t
}

fn description(rng: &mut StdRng) -> Option<String> {
    let mut joins = JOINS.to_vec();
    joins.push(" ");
    rng.random_bool(0.8).then(|| {
        let n = rng.random_range(1..8);
        text(rng, TEXT_PARTS, &joins, n)
    })
}

fn tags(rng: &mut StdRng) -> Option<Vec<Tag>> {
    match rng.random_range(0..5) {
        0 => None,
        1 => Some(Vec::new()),
        _ => {
            let mut keys: Vec<&str> = TAG_KEYS.to_vec();
            let n = rng.random_range(1..4);
            Some(
                (0..n)
                    .map(|_| {
                        let key = keys.remove(rng.random_range(0..keys.len()));
                        let m = rng.random_range(1..4);
                        Tag {
                            key: key.to_owned(),
                            value: text(rng, TEXT_PARTS, JOINS, m),
                        }
                    })
                    .collect(),
            )
        }
    }
}

fn secret(rng: &mut StdRng, i: usize, account: &str, region: &str) -> Secret {
    let n = rng.random_range(1..5);
    let name = format!("{}-{i}", text(rng, NAME_PARTS, JOINS, n));
    // Few distinct times, so sort keys tie often.
    let created = rng.random_range(0..40);
    let mut s = Secret {
        arn: format!("arn:aws:secretsmanager:{region}:{account}:secret:{name}-abcdef"),
        name,
        region: region.into(),
        account: account.into(),
        description: description(rng),
        kms_key_id: None,
        secret_type: None,
        created: Timestamp(created),
        last_changed: Timestamp(created + rng.random_range(0..10)),
        last_accessed: rng
            .random_bool(0.5)
            .then(|| Timestamp(rng.random_range(0..20))),
        deleted: None,
        purge_after: None,
        resource_policy: None,
        tags: tags(rng),
        versions: vec![],
        stages: Default::default(),
        rotation: None,
    };
    if rng.random_bool(0.1) {
        s.deleted = Some(Timestamp(50));
        s.purge_after = Some(Timestamp(60));
    }
    let _ = s.add_version(
        Version {
            id: format!("v{i}"),
            created: Timestamp(created),
            last_accessed: None,
            has_value: true,
        },
        None,
    );
    s
}

fn value() -> StoredValue {
    StoredValue {
        key_id: "key".into(),
        wrapped_key: vec![1],
        ciphertext: vec![2],
    }
}

async fn insert(store: &Arc<dyn Store>, s: &Secret) {
    let (s, id) = (s.clone(), s.versions[0].id.clone());
    store
        .write(move |tx| save_secret(tx, None, &s, &[(id, value())]))
        .await
        .expect("insert");
}

async fn update(store: &Arc<dyn Store>, before: &Secret, after: &Secret) {
    let (b, a) = (before.clone(), after.clone());
    store
        .write(move |tx| save_secret(tx, Some(&b), &a, &[]))
        .await
        .expect("update");
}

/// A filter value likely to match some secret: a piece of one of its
/// fields from a random character on, maybe in another case, maybe two
/// words, maybe negated; now and then blank.
fn value_for(rng: &mut StdRng, key: FilterKey, s: &Secret) -> String {
    if key == FilterKey::PrimaryRegion {
        return ["eu-", "eu-west-2", "us-", "", "!eu"]
            .choose(rng)
            .copied()
            .unwrap_or_default()
            .to_owned();
    }
    if rng.random_bool(0.03) {
        return ["", " ", "!"]
            .choose(rng)
            .copied()
            .unwrap_or_default()
            .to_owned();
    }
    let tags = s.tags.as_deref().unwrap_or_default();
    let source = match key {
        FilterKey::Name => s.name.clone(),
        FilterKey::TagKey => tags.first().map(|t| t.key.clone()).unwrap_or_default(),
        FilterKey::TagValue => tags.last().map(|t| t.value.clone()).unwrap_or_default(),
        FilterKey::Description => s.description.clone().unwrap_or_default(),
        _ => [
            Some(s.name.clone()),
            s.description.clone(),
            tags.first().map(|t| t.value.clone()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .choose(rng)
        .cloned()
        .unwrap_or_default(),
    };
    let chars: Vec<char> = source.chars().collect();
    // Name-like filters match from the start; word filters from anywhere.
    let start = match key {
        FilterKey::Name | FilterKey::TagKey | FilterKey::TagValue => 0,
        _ => rng.random_range(0..=chars.len()),
    };
    let end = rng.random_range(start..=chars.len());
    let mut v: String = chars[start..end].iter().collect();
    if rng.random_bool(0.3) {
        v = v.to_lowercase();
    }
    if rng.random_bool(0.1) {
        v = format!("{v} {}", text(rng, TEXT_PARTS, &[""], 1));
    }
    if rng.random_bool(0.2) {
        v = format!("!{v}");
    }
    v
}

fn random_filters(rng: &mut StdRng, secrets: &[Secret]) -> Vec<Filter> {
    const KEYS: &[FilterKey] = &[
        FilterKey::Name,
        FilterKey::Description,
        FilterKey::TagKey,
        FilterKey::TagValue,
        FilterKey::All,
        FilterKey::All,
        FilterKey::PrimaryRegion,
        FilterKey::OwningService,
    ];
    let n = rng.random_range(0..4);
    (0..n)
        .map(|_| {
            let key = KEYS.choose(rng).copied().unwrap_or(FilterKey::All);
            let values = (0..rng.random_range(1..3))
                .map(|_| match secrets.choose(rng) {
                    Some(s) => value_for(rng, key, s),
                    None => "x".to_owned(),
                })
                .collect();
            Filter { key, values }
        })
        .collect()
}

/// Pages through a listing; fails if a page is over its size or the
/// listing does not end.
fn page_through(
    store: &Arc<dyn Store>,
    filters: &[Filter],
    include_planned_deletion: bool,
    sort: Sort,
    limit: usize,
) -> Vec<Secret> {
    let mut all = Vec::new();
    let mut after: Option<Cursor> = None;
    for _ in 0..10_000 {
        let page = store
            .read(|tx| {
                tx.page_secrets(&SecretQuery {
                    account: ACCOUNT,
                    region: REGION,
                    filters,
                    include_planned_deletion,
                    sort,
                    after: after.as_ref(),
                    limit,
                })
            })
            .expect("page");
        assert!(page.secrets.len() <= limit, "page over {limit}");
        all.extend(page.secrets);
        match page.next {
            Some(next) => after = Some(next),
            None => return all,
        }
    }
    panic!("the listing did not end");
}

fn names(secrets: &[Secret]) -> Vec<&str> {
    secrets.iter().map(|s| s.name.as_str()).collect()
}

/// Store pages equal the domain's filter and sort, for `rounds` random
/// listings over random secrets (some in other regions and accounts, some
/// scheduled for deletion, some updated or deleted after they were
/// written).
pub async fn listing_suite(store: Arc<dyn Store>, seed: u64, rounds: usize) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut secrets: Vec<Secret> = (0..300)
        .map(|i| secret(&mut rng, i, ACCOUNT, REGION))
        .collect();
    for s in &secrets {
        insert(&store, s).await;
    }
    // Elsewhere: must never be listed here.
    for (i, (account, region)) in [("123456789012", "eu-west-3"), ("210987654321", REGION)]
        .into_iter()
        .cycle()
        .take(20)
        .enumerate()
    {
        insert(&store, &secret(&mut rng, 1000 + i, account, region)).await;
    }
    // Changes after the first write: the word index must follow them.
    for secret in secrets.iter_mut() {
        let before = secret.clone();
        let mut after = before.clone();
        match rng.random_range(0..6) {
            0 => after.description = description(&mut rng),
            1 => after.tags = tags(&mut rng),
            2 => {
                after.description = description(&mut rng);
                after.tags = tags(&mut rng);
                after.last_accessed = Some(Timestamp(rng.random_range(0..20)));
            }
            _ => continue,
        }
        update(&store, &before, &after).await;
        *secret = after;
    }
    for _ in 0..20 {
        let gone = secrets.remove(rng.random_range(0..secrets.len()));
        store
            .write(move |tx| tx.delete_secret(&gone.arn))
            .await
            .expect("delete");
    }

    for round in 0..rounds {
        let filters = random_filters(&mut rng, &secrets);
        let sort = Sort {
            by: [
                SortBy::CreatedDate,
                SortBy::LastAccessedDate,
                SortBy::LastChangedDate,
                SortBy::Name,
            ]
            .choose(&mut rng)
            .copied()
            .unwrap_or_default(),
            descending: rng.random_bool(0.5),
        };
        let include_planned_deletion = rng.random_bool(0.3);
        let limit = rng.random_range(1..25);
        let mut want: Vec<Secret> = secrets
            .iter()
            .filter(|s| include_planned_deletion || s.deleted.is_none())
            .filter(|s| matches_all(s, &filters))
            .cloned()
            .collect();
        sort.sort(&mut want);
        let got = page_through(&store, &filters, include_planned_deletion, sort, limit);
        assert_eq!(
            names(&got),
            names(&want),
            "round {round}: {filters:?} by {sort:?}, planned deletion {include_planned_deletion}, pages of {limit}"
        );
        assert_eq!(got, want, "round {round}: whole secrets");
    }
}

#[tokio::test]
async fn sqlite_listing_matches_the_domain() {
    let (_dir, store) = open();
    listing_suite(store, 1, 300).await;
}

/// Bounds so small that every plan is taken, and pages end early because
/// the sort-driven walk runs out of rows to read.
#[tokio::test]
async fn sqlite_listing_matches_the_domain_with_tiny_page_budgets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("t.db"))
        .expect("open")
        .with_listing_limits(ListingLimits {
            // Words are looked up to 40 candidates (over 32 the best few
            // are asked for first), a name prefix to 4; up to 100 walks keep
            // them as a set.
            max_candidates: 40,
            max_joined: 100,
            max_scanned: 3,
        });
    listing_suite(Arc::new(store), 2, 200).await;
}

#[tokio::test]
async fn deleting_every_secret_empties_the_word_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.db");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).expect("open"));
    let mut rng = StdRng::seed_from_u64(3);
    let mut secrets = Vec::new();
    for i in 0..50 {
        let s = secret(&mut rng, i, ACCOUNT, REGION);
        insert(&store, &s).await;
        secrets.push(s);
    }
    for s in &secrets {
        let mut after = s.clone();
        after.description = description(&mut rng);
        after.tags = tags(&mut rng);
        update(&store, s, &after).await;
        let arn = s.arn.clone();
        store
            .write(move |tx| tx.delete_secret(&arn))
            .await
            .expect("delete");
    }
    drop(store);
    let conn = rusqlite::Connection::open(&path).expect("open");
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM secret_words", [], |r| r.get(0))
        .expect("count");
    assert_eq!(rows, 0, "keys left behind by deleted secrets");
}

/// The query plans SQLite picks: every sort order is walked on its index
/// from the cursor (no temporary sort, no full scan), and index-driven pages
/// look their candidates up by range.
#[test]
fn listing_walks_indexes() {
    use crate::sqlite::listing::plan_for_tests;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.db");
    drop(SqliteStore::open(&path).expect("open"));
    let conn = rusqlite::Connection::open(&path).expect("open");
    let cursor_for = |by: SortBy| Cursor {
        key: match by {
            SortBy::Name => strongroom_domain::listing::SortKey::Name("n".into()),
            _ => strongroom_domain::listing::SortKey::Time(5),
        },
        name: "n".into(),
    };
    for by in [
        SortBy::CreatedDate,
        SortBy::LastAccessedDate,
        SortBy::LastChangedDate,
        SortBy::Name,
    ] {
        for descending in [false, true] {
            let sort = Sort { by, descending };
            let cursor = cursor_for(by);
            for after in [None, Some(&cursor)] {
                let plan = plan_for_tests(&conn, sort, after, &[]);
                assert!(
                    !plan.contains("TEMP B-TREE") && plan.contains("USING INDEX"),
                    "{sort:?} after {after:?}: {plan}"
                );
                if after.is_some() {
                    assert!(plan.contains('<') || plan.contains('>'), "{plan}");
                }
            }
        }
    }
    let words = [Filter {
        key: FilterKey::All,
        values: vec!["prod".into(), "beta".into()],
    }];
    let plan = plan_for_tests(&conn, Sort::default(), None, &words);
    assert!(
        plan.contains("secret_words USING PRIMARY KEY (field=? AND key>? AND key<?)")
            && plan.contains("USING INTEGER PRIMARY KEY"),
        "{plan}"
    );
    let names = [Filter {
        key: FilterKey::Name,
        values: vec!["prod/".into()],
    }];
    let plan = plan_for_tests(&conn, Sort::default(), None, &names);
    assert!(plan.contains("name>? AND name<?"), "{plan}");
    // Walked in sort order, the name checked on the index, with more than
    // one prefix too.
    let names = [Filter {
        key: FilterKey::Name,
        values: vec!["prod/".into(), "dev/".into()],
    }];
    // …and a set of secrets a word finds, checked on the index's keys.
    for filters in [&names[..], &words[..]] {
        for by in [SortBy::CreatedDate, SortBy::Name, SortBy::LastAccessedDate] {
            let sort = Sort {
                by,
                descending: true,
            };
            let plan = crate::sqlite::listing::walk_plan_for_tests(&conn, sort, filters);
            assert!(
                !plan.contains("TEMP B-TREE FOR ORDER BY")
                    && plan.contains("SEARCH s USING INDEX")
                    && plan.contains("LIST SUBQUERY"),
                "{sort:?} {filters:?}: {plan}"
            );
        }
    }
}

/// A V3 database (versions WITHOUT ROWID, no word index) keeps its secrets,
/// values, labels and tags, and its secrets are found by word afterwards.
#[tokio::test]
async fn v3_databases_move_to_v4() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v3.db");
    {
        let mut conn = rusqlite::Connection::open(&path).expect("open");
        schema::migrate_to(&mut conn, 3).expect("v3");
        conn.execute_batch(&format!(
            "INSERT INTO secrets (pk, arn, account, region, name, description, created, last_changed, tagged) \
             VALUES (7, 'arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:prod/AppBeta-abcdef', '{ACCOUNT}', \
             '{REGION}', 'prod/AppBeta', 'Rotated by ops', 1, 2, 1); \
             INSERT INTO versions (secret_pk, version_id, created, seq, key_id, wrapped_key, ciphertext) \
             VALUES (7, 'v1', 1, 1, 'k', x'01', x'0203'), (7, 'v2', 2, 2, 'k', x'04', x'0506'); \
             INSERT INTO stages VALUES (7, 'AWSPREVIOUS', 'v1'), (7, 'AWSCURRENT', 'v2'); \
             INSERT INTO tags VALUES (7, 0, 'CostCenter', 'team/payments');"
        ))
        .expect("v3 rows");
    }
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).expect("migrates"));
    let s = store
        .read(|tx| tx.find_secret_by_name(ACCOUNT, REGION, "prod/AppBeta"))
        .expect("read")
        .expect("kept");
    assert_eq!(
        s.versions.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(),
        ["v1", "v2"]
    );
    assert_eq!(s.stages.get("AWSCURRENT").map(String::as_str), Some("v2"));
    assert_eq!(
        s.tags,
        Some(vec![Tag {
            key: "CostCenter".into(),
            value: "team/payments".into()
        }])
    );
    assert_eq!(
        store.read(|tx| tx.load_value(&s.arn, "v2")).expect("value"),
        Some(StoredValue {
            key_id: "k".into(),
            wrapped_key: vec![4],
            ciphertext: vec![5, 6],
        })
    );
    for (key, word) in [
        (FilterKey::All, "beta"),
        (FilterKey::All, "payments"),
        (FilterKey::Description, "ops"),
        (FilterKey::TagKey, "Cost"),
    ] {
        let filters = [Filter {
            key,
            values: vec![word.into()],
        }];
        let found = page_through(&store, &filters, false, Sort::default(), 10);
        assert_eq!(names(&found), ["prod/AppBeta"], "{key:?} {word}");
    }
    // A label still cannot point at a version that is not there.
    let arn = s.arn.clone();
    let dangling = store.write(move |tx| tx.set_stage(&arn, "X", "nope")).await;
    assert!(dangling.is_err());
}
