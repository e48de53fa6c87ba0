//! Every failure a client can see, with its AWS JSON 1.1 code and HTTP
//! status (the Query protocol's are in `protocol::query::error_code`).

use http::StatusCode;
use strongroom_auth::AuthError;
use strongroom_domain::ErrorKind;
use strongroom_domain::kms::KmsErrorKind;
use strongroom_service::ServiceError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is not (correctly) signed.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The operation failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// An IAM operation failed (its code and status are IAM's own).
    #[error(transparent)]
    Iam(#[from] strongroom_iam::IamError),
    /// A CloudTrail operation's own failure.
    #[error(transparent)]
    CloudTrail(#[from] crate::cloudtrail::CloudTrailError),
    /// `X-Amz-Target` names no operation of this service.
    #[error("Operation {0} is not supported by this service.")]
    UnknownOperation(String),
    /// A Query request's `Action` names no operation of its service in the
    /// API `Version` it gives (`NO_VERSION_SPECIFIED` when it gives none).
    #[error("Could not find operation {action} for version {version}")]
    InvalidAction { action: String, version: String },
    /// AssumeRole's session policy and tags do not fit in a session token
    /// (STS's limit: 2048 characters of policy, packed).
    #[error("Packed policy consumes {percent}% of allotted space, please use smaller policy.")]
    PackedPolicyTooLarge { percent: usize },
    /// A Query request without an `Action`.
    #[error("The request must contain the parameter Action.")]
    MissingAction,
    /// An IAM operation whose UserName defaults to the caller's user, called
    /// without one by a caller that is not an IAM user (IAM's
    /// ValidationError, worded as IAM words it).
    #[error("Must specify userName when calling with non-User credentials")]
    UserNameRequired,
    /// A Query request gives a parameter more than once.
    #[error("The parameter {0} must not be given more than once.")]
    DuplicateParameter(String),
    /// The body is not JSON, or a member has the wrong JSON type.
    #[error("{0}")]
    Serialization(String),
    /// The body exceeds [`crate::MAX_BODY_BYTES`].
    #[error("Request body is larger than the maximum of {0} bytes.")]
    BodyTooLarge(usize),
    /// Reading the body failed (client went away).
    #[error("Could not read the request body.")]
    BodyRead,
    /// The body did not arrive within the slow-body deadline.
    #[error("The request body was not received in time.")]
    BodyTimeout,
    /// The server is buffering as many request bodies as it allows: try
    /// again (AWS's throttling error, which SDKs retry with backoff).
    #[error("Rate exceeded")]
    Busy,
    /// A KMS call failed on the server's side (its store); KMS's own code.
    #[error("An error occurred on the server side.")]
    KmsInternal,
    /// A handler panicked (a bug); the request gets a 500.
    #[error("An error occurred on the server side.")]
    Internal,
    /// Only `POST /` is part of this protocol.
    #[error("Only POST requests to / are supported by this service.")]
    MethodNotAllowed,
    /// The call's audit record could not be written: the answer is a 5xx,
    /// and calls that change state are refused until it can be.
    #[error("The audit trail cannot be written at the moment; try again later.")]
    AuditUnavailable,
}

impl ApiError {
    pub fn aws_code(&self) -> &'static str {
        match self {
            ApiError::Auth(e) => e.aws_code(),
            ApiError::Iam(e) => e.code(),
            ApiError::CloudTrail(e) => e.code(),
            ApiError::Service(e) => match e {
                ServiceError::Domain(d) => match d.kind() {
                    ErrorKind::Validation => "ValidationException",
                    ErrorKind::InvalidParameter => "InvalidParameterException",
                    ErrorKind::InvalidRequest => "InvalidRequestException",
                    ErrorKind::ResourceNotFound => "ResourceNotFoundException",
                    ErrorKind::ResourceExists => "ResourceExistsException",
                    ErrorKind::LimitExceeded => "LimitExceededException",
                    ErrorKind::InvalidNextToken => "InvalidNextTokenException",
                    ErrorKind::MalformedPolicyDocument => "MalformedPolicyDocumentException",
                    ErrorKind::PublicPolicy => "PublicPolicyException",
                },
                ServiceError::Kms(k) => kms_code(k.kind()),
                ServiceError::KeyMaterial => "KMSInternalException",
                ServiceError::AccessDenied(_) => "AccessDeniedException",
                ServiceError::Store(_) => "InternalServiceError",
                ServiceError::Decryption => "DecryptionFailure",
                ServiceError::Encryption => "EncryptionFailure",
            },
            ApiError::UnknownOperation(_) => "UnknownOperationException",
            // Query-only failures: the Query codes (JSON never sees them).
            ApiError::InvalidAction { .. } => "InvalidAction",
            ApiError::MissingAction => "MissingAction",
            ApiError::UserNameRequired => "ValidationError",
            ApiError::PackedPolicyTooLarge { .. } => "PackedPolicyTooLarge",
            ApiError::DuplicateParameter(_) => "InvalidQueryParameter",
            ApiError::Internal | ApiError::AuditUnavailable => "InternalServiceError",
            ApiError::KmsInternal => "KMSInternalException",
            ApiError::Serialization(_) | ApiError::BodyRead => "SerializationException",
            ApiError::BodyTooLarge(_) => "RequestEntityTooLargeException",
            ApiError::BodyTimeout => "RequestTimeoutException",
            ApiError::Busy => "ThrottlingException",
            ApiError::MethodNotAllowed => "MethodNotAllowedException",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Service(ServiceError::Store(_) | ServiceError::KeyMaterial)
            | ApiError::Internal
            | ApiError::KmsInternal
            | ApiError::AuditUnavailable => StatusCode::INTERNAL_SERVER_ERROR,
            // KMS answers a DryRun that would have succeeded with 412.
            ApiError::Service(ServiceError::Kms(strongroom_domain::kms::KmsError::DryRun)) => {
                StatusCode::PRECONDITION_FAILED
            }
            ApiError::Iam(e) if e.is_internal() => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::BodyTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The client-facing message. Internal faults are not described to the
    /// client beyond their code; the log has the detail.
    pub fn message(&self) -> String {
        match self {
            ApiError::Service(ServiceError::Store(_)) => {
                "An error occurred on the server side.".to_owned()
            }
            other => other.to_string(),
        }
    }
}

/// KMS's error codes (the kms model's exception shapes).
fn kms_code(kind: KmsErrorKind) -> &'static str {
    use KmsErrorKind as K;
    match kind {
        K::NotFound => "NotFoundException",
        K::InvalidArn => "InvalidArnException",
        K::AlreadyExists => "AlreadyExistsException",
        K::InvalidAliasName => "InvalidAliasNameException",
        K::Disabled => "DisabledException",
        K::InvalidState => "KMSInvalidStateException",
        K::InvalidCiphertext => "InvalidCiphertextException",
        K::IncorrectKey => "IncorrectKeyException",
        K::InvalidKeyUsage => "InvalidKeyUsageException",
        K::MalformedPolicyDocument => "MalformedPolicyDocumentException",
        K::UnsupportedOperation => "UnsupportedOperationException",
        K::InvalidMarker => "InvalidMarkerException",
        K::Tag => "TagException",
        K::LimitExceeded => "LimitExceededException",
        K::Validation => "ValidationException",
        K::DryRunOperation => "DryRunOperationException",
        K::InvalidSignature => "KMSInvalidSignatureException",
        K::InvalidMac => "KMSInvalidMacException",
        K::InvalidGrantId => "InvalidGrantIdException",
        K::InvalidGrantToken => "InvalidGrantTokenException",
    }
}

impl From<strongroom_domain::kms::KmsError> for ApiError {
    fn from(e: strongroom_domain::kms::KmsError) -> Self {
        ApiError::Service(ServiceError::Kms(e))
    }
}

impl From<strongroom_domain::Error> for ApiError {
    fn from(e: strongroom_domain::Error) -> Self {
        ApiError::Service(ServiceError::Domain(e))
    }
}
