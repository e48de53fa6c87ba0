/// A storage failure. Cloneable because one failed commit fails every write
/// that shared it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The database reported an error while doing `context`.
    #[error("database error while {context}: {message}")]
    Database {
        context: &'static str,
        message: String,
    },
    /// The database holds something we did not write (wrong type, bad enum).
    #[error("database holds an unexpected value in {0}")]
    Corrupt(&'static str),
    /// The writer has shut down.
    #[error("the store is closed")]
    Closed,
    /// A store closure panicked; a write's changes were rolled back.
    #[error("a transaction failed unexpectedly (a write is rolled back)")]
    JobPanicked,
    /// Opening the database failed.
    #[error("cannot open database {path}: {message}")]
    Open { path: String, message: String },
    /// A value sealed under the root key does not open under the key given
    /// (a rotation's re-wrap).
    #[error("the value sealed in {table} for {key} does not open under the current root key")]
    Unsealable { table: &'static str, key: String },
}
