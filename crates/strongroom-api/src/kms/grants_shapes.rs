//! Shapes shared by the grant operations: GrantConstraints and GrantListEntry.

use crate::secretsmanager::shapes::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use strongroom_domain::kms::GrantConstraints;
use strongroom_service::kms::GrantEntry;

#[derive(Deserialize, Serialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ConstraintsShape {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_context_subset: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_context_equals: Option<BTreeMap<String, String>>,
}

impl From<ConstraintsShape> for GrantConstraints {
    fn from(c: ConstraintsShape) -> Self {
        GrantConstraints {
            subset: c.encryption_context_subset,
            equals: c.encryption_context_equals,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GrantListEntry {
    key_id: String,
    grant_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    creation_date: Date,
    grantee_principal: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    retiring_principal: Option<String>,
    issuing_account: String,
    operations: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    constraints: Option<ConstraintsShape>,
}

impl From<GrantEntry> for GrantListEntry {
    fn from(e: GrantEntry) -> Self {
        let g = e.grant;
        GrantListEntry {
            key_id: e.key_arn,
            grant_id: g.grant_id,
            name: g.name,
            creation_date: Date(g.created),
            grantee_principal: g.grantee,
            retiring_principal: g.retiring,
            issuing_account: format!("arn:aws:iam::{}:root", g.issuing_account),
            operations: g.operations.iter().map(|o| o.as_str()).collect(),
            constraints: (!g.constraints.is_empty()).then_some(ConstraintsShape {
                encryption_context_subset: g.constraints.subset,
                encryption_context_equals: g.constraints.equals,
            }),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GrantPageOut {
    pub grants: Vec<GrantListEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    pub truncated: bool,
}

impl From<strongroom_service::kms::GrantPage> for GrantPageOut {
    fn from(p: strongroom_service::kms::GrantPage) -> Self {
        GrantPageOut {
            truncated: p.next_marker.is_some(),
            next_marker: p.next_marker,
            grants: p.grants.into_iter().map(GrantListEntry::from).collect(),
        }
    }
}
