//! The PostgreSQL rotators, after AWS's SecretsManagerRDSPostgreSQLRotation
//! SingleUser and MultiUser functions, on AWS's database secret JSON
//! (`engine`, `host`, `port`, `username`, `password`, `dbname`, `ssl`,
//! `masterarn` for alternating users).
//!
//! Passwords never travel in SQL: `ALTER ROLE … PASSWORD` takes no bind
//! parameter, so the statement carries the SCRAM-SHA-256 verifier computed
//! here (as psql's `\password` does), quoted as a literal; role names are
//! quoted identifiers. The server then stores that verifier, whatever its
//! `password_encryption`; `md5` and `scram-sha-256` lines of pg_hba.conf
//! both accept it (PostgreSQL 10 and later).
//!
//! TLS as AWS's functions do it: `ssl: true` requires TLS, `ssl: false`
//! never uses it, and without `ssl` TLS is tried first and plain text
//! after a failure. Certificates are verified against the system's roots
//! (`SSL_CERT_FILE` / `SSL_CERT_DIR` name others), host name included.

use super::{JsonObject, RotatorError, Run};
use std::time::Duration;
use strongroom_domain::{AWSCURRENT, AWSPENDING, AWSPREVIOUS};
use tokio_postgres::config::SslMode;
use zeroize::Zeroizing;

/// PostgreSQL's longest name, in bytes (NAMEDATALEN - 1).
const MAX_NAME_BYTES: usize = 63;
const CLONE_SUFFIX: &str = "_clone";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A database secret's connection facts.
struct DbSecret {
    host: String,
    port: u16,
    username: String,
    password: Zeroizing<String>,
    dbname: String,
    ssl: Option<bool>,
    masterarn: Option<String>,
}

impl DbSecret {
    fn parse(value: &JsonObject, stage: &'static str) -> Result<DbSecret, RotatorError> {
        if let Some(engine) = value.get("engine") {
            match engine.as_str() {
                Some("postgres" | "aurora-postgresql") => {}
                _ => return Err(RotatorError::Engine(engine.to_string())),
            }
        }
        let missing = |field| RotatorError::MissingField { stage, field };
        let text = |field: &'static str| {
            value
                .get(field)
                .and_then(serde_json::Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| missing(field))
        };
        let port = match value.get("port") {
            None | Some(serde_json::Value::Null) => Some(5432),
            Some(serde_json::Value::Number(n)) => n.as_u64().and_then(|p| u16::try_from(p).ok()),
            Some(serde_json::Value::String(s)) => s.parse().ok(),
            Some(_) => None,
        }
        .ok_or_else(|| missing("port"))?;
        let ssl = match value.get("ssl") {
            Some(serde_json::Value::Bool(b)) => Some(*b),
            Some(serde_json::Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(true),
            Some(serde_json::Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        };
        Ok(DbSecret {
            host: text("host")?,
            port,
            username: text("username")?,
            password: Zeroizing::new(text("password")?),
            dbname: value
                .get("dbname")
                .and_then(serde_json::Value::as_str)
                .filter(|s| !s.is_empty())
                .unwrap_or("postgres")
                .to_owned(),
            ssl,
            masterarn: value
                .get("masterarn")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned),
        })
    }

    async fn connect(&self) -> Result<tokio_postgres::Client, RotatorError> {
        let attempt = match self.ssl {
            Some(true) => self.connect_with(SslMode::Require).await,
            Some(false) => self.connect_with(SslMode::Disable).await,
            None => match self.connect_with(SslMode::Prefer).await {
                Ok(c) => Ok(c),
                Err(_) => self.connect_with(SslMode::Disable).await,
            },
        };
        attempt.map_err(|e| {
            RotatorError::Database(format!(
                "cannot log in to {}:{} as {:?}: {}",
                self.host,
                self.port,
                self.username,
                describe(&e)
            ))
        })
    }

    async fn connect_with(
        &self,
        ssl_mode: SslMode,
    ) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
        let mut config = tokio_postgres::Config::new();
        config
            .host(&self.host)
            .port(self.port)
            .user(&self.username)
            .password(self.password.as_bytes())
            .dbname(&self.dbname)
            .application_name("strongroom-rotator")
            .connect_timeout(CONNECT_TIMEOUT)
            .ssl_mode(ssl_mode);
        let (client, connection) = config.connect(tls()).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "rotator: PostgreSQL connection ended");
            }
        });
        Ok(client)
    }
}

/// The TLS connector (rustls; the system's roots, read once).
fn tls() -> tokio_postgres_rustls::MakeRustlsConnect {
    static CONFIG: std::sync::OnceLock<rustls::ClientConfig> = std::sync::OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let mut roots = rustls::RootCertStore::empty();
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            tracing::warn!(error = %e, "rotator: a system CA certificate could not be read");
        }
        let (added, _ignored) = roots.add_parsable_certificates(found.certs);
        tracing::debug!(roots = added, "rotator: CA certificates for PostgreSQL TLS");
        rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth()
    });
    tokio_postgres_rustls::MakeRustlsConnect::new(config.clone())
}

fn database(what: &str) -> impl FnOnce(tokio_postgres::Error) -> RotatorError + '_ {
    move |e| RotatorError::Database(format!("{what}: {}", describe(&e)))
}

/// The error with its causes ("error connecting to server: Connection
/// refused …"): tokio-postgres's Display leaves them out.
fn describe(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}

/// createSecret's new value: the current one with a new password (and,
/// alternating, the other user).
pub(super) fn pending_value(
    mut current: JsonObject,
    password: String,
    alternate: bool,
) -> Result<JsonObject, RotatorError> {
    let db = DbSecret::parse(&current, AWSCURRENT)?;
    if alternate {
        if db.masterarn.is_none() {
            return Err(RotatorError::MissingField {
                stage: AWSCURRENT,
                field: "masterarn",
            });
        }
        current.insert("username".into(), alternate_user(&db.username)?.into());
    }
    current.insert("password".into(), password.into());
    Ok(current)
}

/// The other user of the pair: `NAME` ↔ `NAME_clone`.
fn alternate_user(username: &str) -> Result<String, RotatorError> {
    if let Some(base) = username.strip_suffix(CLONE_SUFFIX) {
        return Ok(base.to_owned());
    }
    let clone = format!("{username}{CLONE_SUFFIX}");
    if clone.len() > MAX_NAME_BYTES {
        return Err(RotatorError::Refused(format!(
            "cannot clone user {username:?}: with {CLONE_SUFFIX} its name would exceed PostgreSQL's {MAX_NAME_BYTES} bytes"
        )));
    }
    Ok(clone)
}

/// A quoted identifier (PostgreSQL's `quote_ident`, always quoting).
fn quote_ident(name: &str) -> Result<String, RotatorError> {
    if name.is_empty() || name.contains('\0') {
        return Err(RotatorError::Refused(format!(
            "{name:?} is not a valid PostgreSQL role name"
        )));
    }
    Ok(format!("\"{}\"", name.replace('"', "\"\"")))
}

/// A string literal (PostgreSQL's `quote_literal`: `E'…'` when there is a
/// backslash, so that it reads the same whatever
/// `standard_conforming_strings` is).
fn quote_literal(text: &str) -> Result<String, RotatorError> {
    if text.contains('\0') {
        return Err(RotatorError::Refused(
            "a string literal cannot contain NUL".to_owned(),
        ));
    }
    let quoted = text.replace('\'', "''");
    Ok(if text.contains('\\') {
        format!("E'{}'", quoted.replace('\\', "\\\\"))
    } else {
        format!("'{quoted}'")
    })
}

/// `PASSWORD '<SCRAM-SHA-256 verifier of password>'`.
fn password_clause(password: &str) -> Result<String, RotatorError> {
    let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
    Ok(format!("PASSWORD {}", quote_literal(&verifier)?))
}

fn same_target(a: &DbSecret, pending: &DbSecret, user: &str) -> Result<(), RotatorError> {
    if pending.username != user {
        return Err(RotatorError::Refused(format!(
            "the AWSPENDING user {:?} is not the user being rotated ({user:?})",
            pending.username
        )));
    }
    if a.host != pending.host {
        return Err(RotatorError::Refused(format!(
            "the AWSPENDING host {:?} is not the current host {:?}",
            pending.host, a.host
        )));
    }
    Ok(())
}

/// setSecret, single user: done if AWSPENDING logs in; else log in with
/// AWSCURRENT (or AWSPREVIOUS, after a rotation that set the password but
/// did not finish) and set the pending password.
pub(super) async fn set_single_user(run: &Run) -> Result<(), RotatorError> {
    let current = DbSecret::parse(&run.json(AWSCURRENT).await?, AWSCURRENT)?;
    let pending = DbSecret::parse(&run.json(AWSPENDING).await?, AWSPENDING)?;
    if pending.connect().await.is_ok() {
        return Ok(());
    }
    same_target(&current, &pending, &current.username)?;
    let client = match current.connect().await {
        Ok(c) => c,
        Err(current_error) => {
            if !run.has_stage(AWSPREVIOUS).await? {
                return Err(current_error);
            }
            let previous = DbSecret::parse(&run.json(AWSPREVIOUS).await?, AWSPREVIOUS)?;
            same_target(&previous, &pending, &previous.username)?;
            previous.connect().await.map_err(|_| current_error)?
        }
    };
    let sql = format!(
        "ALTER USER {} WITH {}",
        quote_ident(&pending.username)?,
        password_clause(&pending.password)?
    );
    client
        .batch_execute(&sql)
        .await
        .map_err(database("setting the new password"))
}

/// setSecret, alternating users: done if AWSPENDING logs in; else, as the
/// master secret's user, create the other user (granted the current one's
/// role, so it has its rights) or set its password.
pub(super) async fn set_alternating_users(run: &Run) -> Result<(), RotatorError> {
    let current = DbSecret::parse(&run.json(AWSCURRENT).await?, AWSCURRENT)?;
    let pending = DbSecret::parse(&run.json(AWSPENDING).await?, AWSPENDING)?;
    if pending.connect().await.is_ok() {
        return Ok(());
    }
    same_target(&current, &pending, &alternate_user(&current.username)?)?;
    // The current credentials must work: a secret naming a user it cannot
    // log in as must not make the master account change that user.
    drop(current.connect().await?);
    let master_arn = current
        .masterarn
        .clone()
        .ok_or(RotatorError::MissingField {
            stage: AWSCURRENT,
            field: "masterarn",
        })?;
    let mut master = DbSecret::parse(
        &run.json_of(&master_arn, AWSCURRENT, None).await?,
        "master secret's AWSCURRENT",
    )?;
    master.dbname = current.dbname.clone();
    if master.host != current.host {
        return Err(RotatorError::Refused(format!(
            "the master secret's host {:?} is not the current host {:?}",
            master.host, current.host
        )));
    }
    let mut client = master.connect().await?;
    let tx = client
        .transaction()
        .await
        .map_err(database("starting a transaction"))?;
    let exists = tx
        .query_opt(
            "SELECT 1 FROM pg_roles WHERE rolname = $1",
            &[&pending.username],
        )
        .await
        .map_err(database("looking the user up"))?
        .is_some();
    let (user, password) = (
        quote_ident(&pending.username)?,
        password_clause(&pending.password)?,
    );
    let sql = if exists {
        format!("ALTER USER {user} WITH {password}")
    } else {
        format!(
            "CREATE ROLE {user} WITH LOGIN {password}; GRANT {} TO {user}",
            quote_ident(&current.username)?
        )
    };
    tx.batch_execute(&sql)
        .await
        .map_err(database("setting the new user's password"))?;
    tx.commit()
        .await
        .map_err(database("committing the new password"))
}

/// testSecret: `stage`'s credentials log in and run a query.
pub(super) async fn test(value: &JsonObject, stage: &'static str) -> Result<(), RotatorError> {
    let client = DbSecret::parse(value, stage)?.connect().await?;
    client
        .simple_query("SELECT now()")
        .await
        .map(drop)
        .map_err(database("running a query"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_always_quoted() {
        assert_eq!(quote_ident("app").expect("q"), r#""app""#);
        assert_eq!(quote_ident("App User").expect("q"), r#""App User""#);
        assert_eq!(
            quote_ident(r#"x"; DROP ROLE admin; --"#).expect("q"),
            r#""x""; DROP ROLE admin; --""#
        );
        assert!(quote_ident("").is_err());
        assert!(quote_ident("a\0b").is_err());
    }

    #[test]
    fn literals_double_quotes_and_escape_backslashes() {
        assert_eq!(quote_literal("abc").expect("q"), "'abc'");
        assert_eq!(quote_literal("it's").expect("q"), "'it''s'");
        assert_eq!(quote_literal(r"a\'b").expect("q"), r"E'a\\''b'");
        assert!(quote_literal("a\0").is_err());
    }

    #[test]
    fn the_password_clause_carries_a_verifier_not_the_password() {
        let clause = password_clause("hunter2'--").expect("clause");
        assert!(
            clause.starts_with("PASSWORD 'SCRAM-SHA-256$4096:"),
            "{clause}"
        );
        assert!(!clause.contains("hunter2"));
    }

    #[test]
    fn users_alternate_with_the_clone() {
        assert_eq!(alternate_user("app").expect("alt"), "app_clone");
        assert_eq!(alternate_user("app_clone").expect("alt"), "app");
        assert!(alternate_user(&"a".repeat(58)).is_err());
        assert_eq!(alternate_user(&"a".repeat(57)).expect("alt").len(), 63);
    }

    fn object(v: serde_json::Value) -> JsonObject {
        match v {
            serde_json::Value::Object(m) => m,
            _ => JsonObject::new(),
        }
    }

    #[test]
    fn database_secrets_parse_with_aws_defaults() {
        let db = DbSecret::parse(
            &object(serde_json::json!({"engine": "postgres", "host": "h", "username": "u", "password": "p"})),
            AWSCURRENT,
        )
        .expect("parse");
        assert_eq!(
            (db.port, db.dbname.as_str(), db.ssl),
            (5432, "postgres", None)
        );
        let db = DbSecret::parse(
            &object(serde_json::json!({"host": "h", "port": "6432", "username": "u", "password": "p", "dbname": "d", "ssl": "FALSE"})),
            AWSCURRENT,
        )
        .expect("parse");
        assert_eq!(
            (db.port, db.dbname.as_str(), db.ssl),
            (6432, "d", Some(false))
        );
        for bad in [
            serde_json::json!({"engine": "mysql", "host": "h", "username": "u", "password": "p"}),
            serde_json::json!({"username": "u", "password": "p"}),
            serde_json::json!({"host": "h", "username": "u", "password": "p", "port": 70000}),
            serde_json::json!({"host": "h", "username": "u"}),
        ] {
            assert!(
                DbSecret::parse(&object(bad.clone()), AWSCURRENT).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_pending_value_keeps_the_other_fields() {
        let current = object(
            serde_json::json!({"engine": "postgres", "host": "h", "username": "u", "password": "old", "masterarn": "m", "extra": 1}),
        );
        let single = pending_value(current.clone(), "new".into(), false).expect("single");
        assert_eq!(
            serde_json::Value::Object(single),
            serde_json::json!({"engine": "postgres", "host": "h", "username": "u", "password": "new", "masterarn": "m", "extra": 1})
        );
        let multi = pending_value(current.clone(), "new".into(), true).expect("multi");
        assert_eq!(multi["username"], "u_clone");
        let mut no_master = current;
        no_master.remove("masterarn");
        assert!(pending_value(no_master, "new".into(), true).is_err());
    }
}
