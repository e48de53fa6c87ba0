//! The IAM policy language for Strongroom: the grammar, validation with IAM's own
//! `MalformedPolicyDocument` messages, and the evaluation logic that decides
//! whether a request is allowed.
//!
//! - [`Policy::parse`] reads a document as a [`PolicyKind`] (identity, resource,
//!   trust or session policy), refuses what IAM refuses with a [`PolicyError`]
//!   whose `Display` is IAM's message, and compiles the rest: action patterns,
//!   ARN patterns split into fields, CIDRs, numbers and dates are all converted
//!   once, here.
//! - [`authorize`] answers one [`Request`] against the [`Policies`] that apply,
//!   following AWS's policy evaluation logic (explicit deny, same- and
//!   cross-account rules, session policies; see the `eval` module). It runs on
//!   every request, so it does not allocate unless a policy variable must be
//!   substituted.
//! - [`Policy::grants_public_access`] implements the test behind Secrets
//!   Manager's `BlockPublicPolicy`.
//!
//! Architecture Invariant: this crate is pure. It does no I/O, knows no HTTP,
//! SQL or async runtime, and reads the clock of no one: "now" is a context key
//! (`aws:CurrentTime`, `aws:EpochTime`) the caller supplies.

#![warn(missing_docs)]

mod condition;
mod context;
mod error;
mod eval;
mod glob;
mod parse;
mod principal;
mod template;

pub use context::Context;
pub use error::PolicyError;
pub use eval::{
    Decision, DenyReason, Policies, Principal, Request, authorize, authorize_with_key_policy,
};
pub use parse::{Policy, PolicyKind, PolicyVersion, size_without_whitespace};
