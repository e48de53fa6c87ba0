//! The `query` target: an IAM or STS form body (AWS Query protocol).
//!
//! Input: the form body. It is decoded, routed for IAM and for STS, and
//! an IAM operation reads its input from it; every error is answered as
//! the Query services answer it.

use super::fixture::admin;
use crate::ApiError;
use crate::protocol::query::{QueryRequest, error_body, error_code};
use crate::route::{AwsService, Route};

pub fn query(data: &[u8]) {
    let form = match QueryRequest::parse(data) {
        Ok(form) => form,
        Err(e) => return check_error(&e, None),
    };
    // The generic readers, on every list-like name the form has.
    let fields = form.fields();
    for (name, _) in form.params().take(32) {
        let head = name.split('.').next().unwrap_or(name);
        for item in fields.structures(head) {
            let _ = (
                item.optional("Key"),
                item.optional("Value"),
                item.path("Key"),
            );
        }
        let _ = fields.strings(head);
        if let Err(e) = fields.map(head) {
            check_error(&e, Some(AwsService::Iam));
        }
    }
    for service in [AwsService::Iam, AwsService::Sts] {
        match Route::from_query(service, &form) {
            Ok(Route::Iam(endpoint)) => {
                if let Err(e) = crate::iam::read_input(endpoint, &admin(), &form) {
                    check_error(&e, Some(service));
                }
            }
            Ok(_) => {}
            Err(e) => check_error(&e, Some(service)),
        }
    }
}

/// A client's bad input is a 4xx, and its XML error body has exactly the
/// elements of any other (whatever the message holds is escaped).
fn check_error(e: &ApiError, service: Option<AwsService>) {
    let (code, status) = error_code(e);
    assert!(status.is_client_error(), "{status} {code}: {e:?}");
    let tags = |body: &[u8]| body.iter().filter(|&&b| b == b'<').count();
    let body = error_body(e, service, "fuzz");
    let reference = error_body(&ApiError::MissingAction, service, "fuzz");
    assert_eq!(
        tags(&body),
        tags(&reference),
        "{}",
        String::from_utf8_lossy(&body)
    );
}
