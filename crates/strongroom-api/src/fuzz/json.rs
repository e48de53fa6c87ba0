//! The `json_1_1` target: a Secrets Manager request as its handler gets it;
//! the `kms` target: the same for KMS.
//!
//! Input: the operation (the `X-Amz-Target` suffix) on the first line, the
//! JSON body after it. Reads run against the seeded store; writes decode
//! and check their input, and stop at the store.

use super::fixture::{admin, fixture};
use crate::ApiError;
use crate::audit::event::read_only;
use crate::route::Route;
use crate::secretsmanager::dispatch;
use strongroom_service::ServiceError;
use strongroom_store::StoreError;

pub fn json_1_1(data: &[u8]) {
    let (operation, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let target = format!("secretsmanager.{}", String::from_utf8_lossy(operation));
    let endpoint = match Route::from_target(&target) {
        Ok(Route::SecretsManager(endpoint)) => endpoint,
        Ok(_) => return,
        Err(e) => return check_error(&e, false),
    };
    let reads = read_only(Route::SecretsManager(endpoint));
    let fx = fixture();
    let service = if reads { &fx.service } else { &fx.dry };
    let outcome = fx
        .runtime
        .block_on(dispatch(endpoint, service, &admin(), body));
    match outcome {
        Ok(answer) => {
            let json: serde_json::Value =
                serde_json::from_slice(&answer).expect("an answer is JSON");
            assert!(json.is_object(), "{json}");
        }
        Err(e) => check_error(&e, !reads),
    }
}

/// The `kms` target: a KMS request as its handler gets it, in the same
/// shape (the `TrentService.` operation on the first line, the body after
/// it), against the seeded keys (`fixture::KMS_KEYS`, named by alias).
pub fn kms(data: &[u8]) {
    answered_kms(data);
}

/// [`kms`]; true if the call was answered with success.
pub(super) fn answered_kms(data: &[u8]) -> bool {
    let (operation, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let target = format!("TrentService.{}", String::from_utf8_lossy(operation));
    let endpoint = match Route::from_target(&target) {
        Ok(Route::Kms(endpoint)) => endpoint,
        Ok(_) => return false,
        Err(e) => {
            check_error(&e, false);
            return false;
        }
    };
    let reads = read_only(Route::Kms(endpoint));
    let fx = fixture();
    let service = if reads { &fx.service } else { &fx.dry };
    let outcome = fx
        .runtime
        .block_on(crate::kms::dispatch(endpoint, service, &admin(), body));
    match outcome {
        Ok(answer) => {
            let json: serde_json::Value =
                serde_json::from_slice(&answer).expect("an answer is JSON");
            assert!(json.is_object(), "{json}");
            true
        }
        // The dropped write of a write handler (`dry`): KMS reports a store
        // fault as KMSInternalException.
        Err(ApiError::KmsInternal) if !reads => false,
        Err(e) => {
            check_error(&e, !reads);
            false
        }
    }
}

/// A client's bad input is a 4xx with the model's code; a 500 is a bug,
/// except the dropped write of a write handler (`dry`).
pub(super) fn check_error(e: &ApiError, dry: bool) {
    let status = e.status();
    let code = e.aws_code();
    let message = e.message();
    if dry
        && matches!(
            e,
            ApiError::Service(ServiceError::Store(StoreError::Closed))
        )
    {
        return;
    }
    assert!(status.is_client_error(), "{status} {code}: {e:?}");
    if let ApiError::Serialization(m) = e {
        // serde quotes the offending input; the body may hold a secret.
        assert!(!m.contains('"') && !m.contains('`'), "{m}");
    }
    let body = crate::protocol::json::error_body(code, &message);
    serde_json::from_slice::<serde_json::Value>(&body).expect("an error body is JSON");
}
