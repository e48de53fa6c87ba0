/// Why a request was not authenticated. `Display` is AWS's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No Authorization header and no presigned query parameters.
    #[error("Missing Authentication Token")]
    MissingAuthenticationToken,
    /// The Authorization header or query lacks a part or is malformed.
    #[error("{0}")]
    IncompleteSignature(&'static str),
    /// The access key id is not one we issued.
    #[error("The security token included in the request is invalid.")]
    UnrecognizedClient,
    /// The signature does not match what we compute.
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    )]
    SignatureMismatch,
    /// The credential scope's region is not shaped like a region, or is
    /// not one this server serves. (AWS's message ends in a space.)
    #[error("Credential should be scoped to a valid region. ")]
    InvalidRegion,
    /// The credential scope names another service than the one called.
    #[error("Credential should be scoped to correct service: '{0}'.")]
    WrongService(&'static str),
    /// The credential scope names none of the services the request could be
    /// for. Query requests (IAM, STS) are routed by their scope's service,
    /// so there is no single service to name.
    #[error("Credential should be scoped to correct service: {}.", alternatives(.0))]
    UnexpectedService(&'static [&'static str]),
    /// The request date is more than 15 minutes before now.
    #[error("Signature expired: {request} is now earlier than {limit} ({now} - 15 min.)")]
    Expired {
        request: String,
        limit: String,
        now: String,
    },
    /// The request date is more than 15 minutes after now.
    #[error("Signature not yet current: {request} is still later than {limit} ({now} + 15 min.)")]
    NotYetCurrent {
        request: String,
        limit: String,
        now: String,
    },
    /// A presigned request past its X-Amz-Expires.
    #[error("Signature expired: the presigned request expired at {0}.")]
    PresignExpired(String),
    /// Temporary credentials past their expiration.
    #[error("The security token included in the request is expired")]
    ExpiredToken,
}

impl AuthError {
    /// The AWS error code for `__type`.
    pub fn aws_code(&self) -> &'static str {
        match self {
            AuthError::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            AuthError::IncompleteSignature(_) => "IncompleteSignatureException",
            AuthError::UnrecognizedClient => "UnrecognizedClientException",
            AuthError::SignatureMismatch
            | AuthError::WrongService(_)
            | AuthError::UnexpectedService(_)
            | AuthError::InvalidRegion
            | AuthError::Expired { .. }
            | AuthError::NotYetCurrent { .. }
            | AuthError::PresignExpired(_) => "InvalidSignatureException",
            AuthError::ExpiredToken => "ExpiredTokenException",
        }
    }
}

/// `'a', 'b' or 'c'`.
fn alternatives(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unexpected_service_names_the_alternatives() {
        assert_eq!(
            AuthError::UnexpectedService(&["sts", "iam"]).to_string(),
            "Credential should be scoped to correct service: 'sts' or 'iam'."
        );
        assert_eq!(
            AuthError::UnexpectedService(&["a", "b", "c"]).to_string(),
            "Credential should be scoped to correct service: 'a', 'b' or 'c'."
        );
        assert_eq!(
            AuthError::UnexpectedService(&["sts"]).to_string(),
            "Credential should be scoped to correct service: 'sts'."
        );
    }
}
