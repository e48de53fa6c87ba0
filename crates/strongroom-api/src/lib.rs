//! The wire layer: one HTTP listener serving AWS services, each as its SDKs
//! call it: Secrets Manager over AWS JSON 1.1, STS and IAM over the AWS
//! Query protocol ([`protocol`]).
//!
//! CloudTrail's LookupEvents (JSON 1.1) reads the audit trail.
//!
//! Every request takes the same pipeline ([`handler`]): SigV4 from the
//! headers → body (streamed, hashed, bounded: [`body`]) → signature → route to a typed endpoint ([`route`]) → `RequestContext` → the
//! operation's handler module (decode, model constraints, the service
//! function, encode) → [`Recorder`] (request log, audit trail: [`audit`])
//! → response, in the request's protocol.
//!
//! Architecture Invariant: only this crate knows wire names (PascalCase
//! members, `__type`, base64 blobs, epoch-second dates, form fields, XML
//! elements).
//! Architecture Invariant: authentication runs before the body is parsed or
//! any store read happens.

/// The endpoint enum of one AWS service: a variant per operation, parsed
/// from the operation's AWS name (`X-Amz-Target`'s suffix or the Query
/// `Action`) and named back. Each service's `endpoints!` list generates it
/// together with the dispatch to its handler modules, so the two cannot
/// drift apart.
macro_rules! endpoint_enum {
    ($service:literal, $($variant:ident),+) => {
        #[doc = concat!("The ", $service, " operations this server implements.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Endpoint {
            $($variant),+
        }

        impl Endpoint {
            /// The operation of this AWS name (exact case), if implemented.
            pub fn from_name(name: &str) -> Option<Endpoint> {
                match name {
                    $(stringify!($variant) => Some(Endpoint::$variant),)+
                    _ => None,
                }
            }

            /// The operation's AWS name (CloudTrail's `eventName`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Endpoint::$variant => stringify!($variant),)+
                }
            }
        }
    };
}

pub mod audit;
mod authn;
mod body;
mod cloudtrail;
mod error;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzz;
mod handler;
mod iam;
mod kms;
mod probe;
mod protocol;
mod record;
mod route;
mod secretsmanager;
mod sts;
mod validate;

pub use authn::{Authenticated, Authenticator, Identified, ServedRegions};
pub use body::{BodyLimits, MAX_BODY_BYTES};

/// A random (v4) UUID as text: request ids and event ids. From the
/// thread-local CSPRNG: no system call per request.
fn random_uuid() -> String {
    uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .to_string()
}
pub use error::ApiError;
pub use handler::{AppState, SecureTransport, router};
pub use record::{CallRecord, LogRecorder, Recorder, Recorders, Recording, RequestBody};
pub use route::{AwsService, Route};
