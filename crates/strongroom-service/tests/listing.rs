//! ListSecrets over 10,000 secrets: with filters and every sort order, paging
//! through NextToken yields each matching secret exactly once.

mod common;

use common::*;
use std::collections::BTreeSet;
use std::sync::Arc;
use strongroom_domain::Tag;
use strongroom_domain::filter::{Filter, FilterKey};
use strongroom_service::{CreateSecretInput, ListSecretsInput, Service, SortBy};

const SECRETS: usize = 10_000;

/// Secret `i`: four teams, camel-case app names, every third one tagged.
fn name(i: usize) -> String {
    let app = ["AppBeta", "AppGamma", "BillingApi", "edge-Proxy"][i % 4];
    format!("team{}/{app}/s{i:05}", i % 7)
}

fn tags(i: usize) -> Option<Vec<Tag>> {
    i.is_multiple_of(3).then(|| {
        vec![Tag {
            key: "CostCenter".into(),
            value: format!("cc-{}", i % 5),
        }]
    })
}

async fn seed(service: Arc<Service>) {
    // Many creates in flight at once, so the writer commits them in batches.
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in (0..SECRETS).collect::<Vec<_>>().chunks(SECRETS / 20) {
        let (service, chunk) = (service.clone(), chunk.to_vec());
        tasks.spawn(async move {
            for i in chunk {
                service
                    .create_secret(
                        &caller(),
                        CreateSecretInput {
                            name: name(i),
                            description: Some(format!("Owned by ops@corp, shard {}", i % 10)),
                            tags: tags(i),
                            ..Default::default()
                        },
                    )
                    .await
                    .expect("create");
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("seeding task");
    }
}

fn filter(key: FilterKey, values: &[&str]) -> Filter {
    Filter {
        key,
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

/// Every name a listing yields, page by page, failing on a repeat.
fn page_through(
    service: &Service,
    filters: &[Filter],
    sort_by: SortBy,
    descending: bool,
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = service
            .list_secrets(
                &caller(),
                &ListSecretsInput {
                    max_results: Some(100),
                    next_token: token,
                    filters: filters.to_vec(),
                    sort_by,
                    descending,
                    ..Default::default()
                },
            )
            .expect("page");
        assert!(page.items.len() <= 100);
        seen.extend(page.items.into_iter().map(|s| s.name));
        match page.next_token {
            Some(t) => token = Some(t),
            None => return seen,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_10000_secrets_with_filters_yields_each_once() {
    let (_dir, service, _clock) = setup();
    let service = Arc::new(service);
    seed(service.clone()).await;

    // Pages come from the store's indexes (a name range, the word index, a
    // sort index walked from the cursor), each page a bounded amount of
    // work: the whole region unfiltered, and filters both selective and not.
    type Case = (Vec<Filter>, SortBy, bool, Box<dyn Fn(usize) -> bool>);
    let cases: Vec<Case> = vec![
        (vec![], SortBy::CreatedDate, false, Box::new(|_| true)),
        (vec![], SortBy::Name, true, Box::new(|_| true)),
        // Never read: all tie, and the name breaks the ties.
        (vec![], SortBy::LastAccessedDate, true, Box::new(|_| true)),
        // Half the region: walked in sort order, not looked up by word.
        (
            vec![filter(FilterKey::All, &["app"])],
            SortBy::LastChangedDate,
            true,
            Box::new(|i| i % 4 < 2),
        ),
        (
            vec![filter(FilterKey::TagKey, &["Cost"])],
            SortBy::Name,
            false,
            Box::new(|i| i % 3 == 0),
        ),
        // `AppBeta` spans two words of the name; `app` would find AppGamma too.
        (
            vec![filter(FilterKey::All, &["AppBeta"])],
            SortBy::CreatedDate,
            false,
            Box::new(|i| i % 4 == 0),
        ),
        // `api` is a word of BillingApi, `proxy` of edge-Proxy; filters AND.
        (
            vec![
                filter(FilterKey::All, &["api", "proxy"]),
                filter(FilterKey::Name, &["team3/"]),
            ],
            SortBy::Name,
            true,
            Box::new(|i| i % 4 >= 2 && i % 7 == 3),
        ),
        // Tag values split at `-`.
        (
            vec![
                filter(FilterKey::All, &["cc"]),
                filter(FilterKey::Name, &["team5/"]),
            ],
            SortBy::CreatedDate,
            true,
            Box::new(|i| i % 3 == 0 && i % 7 == 5),
        ),
        (
            vec![
                filter(FilterKey::All, &["!gamma"]),
                filter(FilterKey::Description, &["corp shard"]),
                filter(FilterKey::Name, &["team1/"]),
            ],
            SortBy::LastChangedDate,
            false,
            Box::new(|i| i % 4 != 1 && i % 7 == 1),
        ),
    ];
    for (filters, sort_by, descending, expected) in &cases {
        let want: BTreeSet<String> = (0..SECRETS).filter(|i| expected(*i)).map(name).collect();
        let got = page_through(&service, filters, *sort_by, *descending);
        let unique: BTreeSet<String> = got.iter().cloned().collect();
        assert_eq!(
            unique.len(),
            got.len(),
            "{filters:?}: a secret was listed twice"
        );
        assert_eq!(unique, want, "{filters:?} by {sort_by:?}");
    }
}
