//! The `list_secrets_filters` target: a ListSecrets body (filters, sort,
//! page size) against the seeded store, compared with the filter rules.

use super::fixture::{admin, fixture};
use super::json::check_error;
use crate::protocol::json::decode;
use crate::secretsmanager::shapes::ListSecretsRequest;
use crate::secretsmanager::{Endpoint, dispatch};
use serde_json::Value;
use std::collections::BTreeSet;
use strongroom_domain::filter::{Filter, FilterKey, matches_all};

pub fn list_secrets_filters(data: &[u8]) {
    let _ = listed(data);
}

/// Lists with `data` as the body and, when the request is valid and starts
/// at the first page, pages on to the end and asserts that exactly the
/// secrets the filter rules select were listed, each once. Returns how many.
pub(super) fn listed(data: &[u8]) -> Option<usize> {
    let fx = fixture();
    let list = |body: &[u8]| {
        fx.runtime
            .block_on(dispatch(Endpoint::ListSecrets, &fx.service, &admin(), body))
    };
    let first = match list(data) {
        Ok(answer) => answer,
        Err(e) => {
            check_error(&e, false);
            return None;
        }
    };
    let request: ListSecretsRequest = decode(data).expect("the handler decoded it");
    if request.next_token.is_some() {
        return None;
    }
    let page_size = request.max_results.map_or(100, |n| n as usize);
    // The same request for the next pages, rebuilt from what the handler
    // read (serde skips unknown members without checking them, even
    // invalid UTF-8, so `data` need not be a JSON value).
    let mut body = serde_json::Map::new();
    let filters: Vec<Value> = request
        .filters
        .iter()
        .flatten()
        .map(|f| serde_json::json!({"Key": f.key, "Values": f.values}))
        .collect();
    for (name, value) in [
        (
            "IncludePlannedDeletion",
            serde_json::json!(request.include_planned_deletion),
        ),
        ("MaxResults", serde_json::json!(request.max_results)),
        ("SortOrder", serde_json::json!(request.sort_order)),
        ("SortBy", serde_json::json!(request.sort_by)),
        (
            "Filters",
            serde_json::json!(request.filters.as_ref().map(|_| filters)),
        ),
    ] {
        if !value.is_null() {
            body.insert(name.into(), value);
        }
    }
    let mut arns = Vec::new();
    let mut answer = first;
    for _ in 0..=fx.secrets.len() {
        let page: Value = serde_json::from_slice(&answer).expect("an answer is JSON");
        let entries = page["SecretList"].as_array().expect("a SecretList");
        assert!(
            entries.len() <= page_size,
            "{} > {page_size}",
            entries.len()
        );
        arns.extend(
            entries
                .iter()
                .map(|e| e["ARN"].as_str().expect("an ARN").to_owned()),
        );
        let Some(token) = page.get("NextToken") else {
            return Some(compare(&request, arns));
        };
        body.insert("NextToken".into(), token.clone());
        let next = serde_json::to_vec(&body).expect("JSON");
        answer = list(&next).unwrap_or_else(|e| panic!("the next page: {e:?}"));
    }
    panic!("ListSecrets paged on past every secret: {arns:?}");
}

fn compare(request: &ListSecretsRequest, arns: Vec<String>) -> usize {
    let listed: BTreeSet<&String> = arns.iter().collect();
    assert_eq!(listed.len(), arns.len(), "listed twice: {arns:?}");
    let filters: Vec<Filter> = request
        .filters
        .iter()
        .flatten()
        .map(|f| Filter {
            key: f
                .key
                .as_deref()
                .and_then(FilterKey::parse)
                .expect("the handler took the key"),
            values: f.values.clone().unwrap_or_default(),
        })
        .collect();
    let planned = request.include_planned_deletion.unwrap_or(false);
    let expected: BTreeSet<&String> = fixture()
        .secrets
        .iter()
        .filter(|s| (planned || s.deleted.is_none()) && matches_all(s, &filters))
        .map(|s| &s.arn)
        .collect();
    assert_eq!(listed, expected);
    arns.len()
}
