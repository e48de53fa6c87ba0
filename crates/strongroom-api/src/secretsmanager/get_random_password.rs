//! GetRandomPassword: a random password; no secret involved.

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::{opt_length, opt_range};
use strongroom_domain::password::PasswordSpec;
use strongroom_service::{RequestContext, Service};

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: GetRandomPasswordRequest = decode(body)?;
    opt_range("passwordLength", r.password_length, 1, 4096)?;
    opt_length(
        "excludeCharacters",
        r.exclude_characters.as_deref(),
        0,
        4096,
    )?;
    let defaults = PasswordSpec::default();
    let spec = PasswordSpec {
        length: r.password_length.map_or(defaults.length, |n| n as u32),
        exclude_characters: r.exclude_characters.unwrap_or_default(),
        exclude_numbers: r.exclude_numbers.unwrap_or(false),
        exclude_punctuation: r.exclude_punctuation.unwrap_or(false),
        exclude_uppercase: r.exclude_uppercase.unwrap_or(false),
        exclude_lowercase: r.exclude_lowercase.unwrap_or(false),
        include_space: r.include_space.unwrap_or(false),
        require_each_included_type: r.require_each_included_type.unwrap_or(true),
    };
    let random_password = service.get_random_password(ctx, &spec)?;
    encode(&RandomPasswordResponse { random_password })
}
