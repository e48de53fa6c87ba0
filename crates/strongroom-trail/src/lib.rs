//! The CloudTrail view of the audit log.
//!
//! - [`event`]: the record format ([`TrailEvent`]), CloudTrail's
//!   `eventVersion` 1.09, built by the wire layer for every call.
//! - [`Trail`]: records events durably in the tamper-evident log of
//!   `strongroom-audit`, optionally copies them to stdout for log shippers,
//!   and keeps the LookupEvents index up to date.
//! - the index (`index.rs`): a SQLite file beside the audit directory that
//!   maps each lookup attribute (account, EventName, Username, ResourceName,
//!   ResourceType, EventSource, ReadOnly, AccessKeyId, EventId) to the
//!   events that have it, newest first; the events themselves are read back
//!   from the segments. It is derived data: deleted, it is rebuilt from the
//!   segments on the next start.
//! - [`Trail::lookup`] (`lookup.rs`): LookupEvents, newest first, paged
//!   with an opaque NextToken bound to its query; every hit is re-read from
//!   its segment and re-checked, so the index can narrow but never decide.

mod attrs;
pub mod event;
mod index;
mod lookup;
mod stdout;
mod trail;

pub use event::{
    EVENT_VERSION, Resource, SessionAttributes, SessionContext, SessionIssuer, TrailEvent,
    UserIdentity,
};
pub use index::IndexError;
pub use lookup::{LookedUpEvent, LookupAttributeKey, LookupError, LookupPage, LookupQuery};
pub use trail::{AuditMode, Trail, TrailError, TrailOptions};
