//! For tests, benches and fuzz targets of this and other crates (not used by
//! the server): a caller that may do anything, without an IAM store behind it.

use crate::{Principal, PrincipalKind, RequestContext};
use std::sync::Arc;
use strongroom_domain::Timestamp;
use strongroom_policy::{Policy, PolicyKind};

const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;

/// Account 123456789012's `admin` user (identity policy: allow everything)
/// calling in `region` at `time`.
pub fn admin(region: &str, time: Timestamp) -> RequestContext {
    RequestContext {
        request_id: "test".into(),
        principal: Arc::new(Principal {
            account: "123456789012".into(),
            arn: "arn:aws:iam::123456789012:user/admin".into(),
            kind: PrincipalKind::User,
            id: "AIDAADMIN".into(),
            user_name: Some("admin".into()),
            tags: Vec::new(),
            access_key_id: "AKIATEST".into(),
            session: None,
            policies: vec![Arc::new(
                Policy::parse(ALLOW_ALL, PolicyKind::Identity).expect("a valid policy"),
            )],
            session_policy: None,
            condition_keys: Default::default(),
            token_issued: None,
        }),
        region: region.into(),
        source_ip: None,
        user_agent: None,
        secure_transport: false,
        time,
        resources: Default::default(),
    }
}
