//! Members and shapes shared by the STS handlers.

use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use crate::validate;
use strongroom_iam::TemporaryCredentials;

/// An optional integer member within `min..=max`.
pub(super) fn duration(
    fields: &Fields<'_>,
    name: &str,
    min: i64,
    max: i64,
) -> Result<Option<u32>, ApiError> {
    let Some(text) = fields.optional(name) else {
        return Ok(None);
    };
    let path = fields.path(name);
    let value: i64 = text
        .trim()
        .parse()
        .map_err(|_| strongroom_domain::Error::Constraint {
            member: path.clone(),
            shown: String::new(),
            constraint: "Member must be a number".to_owned(),
        })?;
    validate::range(&path, value, min, max)?;
    Ok(u32::try_from(value).ok())
}

/// `[\w+=,.@-]*` within `min..=max` (role session names, source identities).
pub(super) fn name_member(
    fields: &Fields<'_>,
    name: &str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), ApiError> {
    let path = fields.path(name);
    validate::length(&path, value, min, max)?;
    if !value
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || "+=,.@-".contains(c))
    {
        return Err(strongroom_domain::Error::Constraint {
            member: path,
            shown: format!("'{value}' "),
            constraint: "Member must satisfy regular expression pattern: [\\w+=,.@-]*".to_owned(),
        }
        .into());
    }
    Ok(())
}

pub(super) use crate::protocol::query::iso_date;

/// The `Credentials` structure.
pub(super) fn credentials(out: &mut XmlWriter, creds: &TemporaryCredentials) {
    out.element("Credentials", |c| {
        c.text("AccessKeyId", &creds.access_key_id);
        c.text("SecretAccessKey", &creds.secret_access_key);
        c.text("SessionToken", &creds.session_token);
        c.text("Expiration", &iso_date(creds.expiration));
    });
}
