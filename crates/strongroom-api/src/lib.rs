//! The AWS JSON 1.1 wire protocol of Secrets Manager.
//!
//! `POST /` with `X-Amz-Target: secretsmanager.<Operation>`: the body is
//! buffered under a size limit, the SigV4 signature verified, the target
//! parsed into an [`Operation`], the JSON decoded into that operation's wire
//! shape and checked against the model's constraints, the service called,
//! and the result (or error) encoded back.
//!
//! Architecture Invariant: only this crate knows wire names (PascalCase
//! members, `__type`, base64 blobs, epoch-second dates).
//! Architecture Invariant: authentication runs before the body is parsed or
//! any store read happens.

mod authn;
mod error;
mod handler;
mod ops;
mod shapes;
mod validate;

pub use authn::{Authenticator, Credential};
pub use error::ApiError;
pub use handler::{AppState, MAX_BODY_BYTES, router};
pub use ops::Operation;
