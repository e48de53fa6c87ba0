//! Every way a request can break a rule of the service.
//!
//! `Display` is the message the client sees, worded as AWS words it (see
//! `shared/AWS_BEHAVIOUR.md`). No variant ever carries a secret value.

/// The AWS error code family an [`Error`] belongs to; the wire layer turns it
/// into `__type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// `ValidationException`: the request breaks a model constraint.
    Validation,
    /// `InvalidParameterException`: a parameter value is not valid here.
    InvalidParameter,
    /// `InvalidRequestException`: the request is valid but not in this state.
    InvalidRequest,
    /// `ResourceNotFoundException`.
    ResourceNotFound,
    /// `ResourceExistsException`.
    ResourceExists,
    /// `LimitExceededException`.
    LimitExceeded,
    /// `InvalidNextTokenException`.
    InvalidNextToken,
    /// `MalformedPolicyDocumentException`: a policy that does not parse.
    MalformedPolicyDocument,
    /// `PublicPolicyException`: BlockPublicPolicy refused a policy.
    PublicPolicy,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A name or secret id with characters AWS does not allow.
    #[error(
        "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!"
    )]
    InvalidName,
    /// A member breaks a length, range, pattern or enum constraint of the model.
    #[error(
        "1 validation error detected: Value {shown}at '{member}' failed to satisfy constraint: {constraint}"
    )]
    Constraint {
        /// The member's path as AWS names it, e.g. `clientRequestToken`.
        member: String,
        /// `'value' ` for non-sensitive members, empty otherwise.
        shown: String,
        /// e.g. `Member must have length less than or equal to 512`.
        constraint: String,
    },
    /// A member outside its enum (recorded as ValidationException, e.g. an
    /// unknown ListSecrets filter key).
    #[error(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: [{allowed}]"
    )]
    NotInEnum {
        member: String,
        value: String,
        allowed: String,
    },
    /// The secret id resolves to nothing.
    #[error("Secrets Manager can't find the specified secret.")]
    SecretNotFound,
    /// No version carries the requested staging label.
    #[error("Secrets Manager can't find the specified secret value for staging label: {0}")]
    StageNotFound(String),
    /// No version has the requested id.
    #[error("Secrets Manager can't find the specified secret value for VersionId: {0}")]
    VersionNotFound(String),
    /// Both a version id and a stage were given and they disagree.
    #[error("You provided a VersionStage that is not associated to the provided VersionId.")]
    StageNotOnVersion,
    /// A version id named in UpdateSecretVersionStage does not exist.
    #[error("Not a valid version: {0}")]
    NotAValidVersion(String),
    /// The secret is scheduled for deletion.
    #[error("You can't perform this operation on the secret because it was marked for deletion.")]
    MarkedForDeletion,
    /// Another account's secret under the AWS managed key, which only its
    /// own account can use.
    #[error(
        "You can't access a secret from a different AWS account if you encrypt the secret with the default KMS service key."
    )]
    CrossAccountDefaultKey,
    /// DeleteSecret on a secret already scheduled for deletion.
    #[error("You tried to perform the operation on a secret that's currently marked deleted.")]
    AlreadyMarkedDeleted,
    /// CreateSecret with the name of a secret scheduled for deletion.
    #[error(
        "You can't create this secret because a secret with this name is already scheduled for deletion."
    )]
    NameScheduledForDeletion,
    /// CreateSecret with a name in use.
    #[error("The operation failed because the secret {0} already exists.")]
    SecretExists(String),
    /// A ClientRequestToken reused with a different value.
    #[error(
        "You can't use ClientRequestToken {token} because that value is already in use for a version of secret {arn}."
    )]
    TokenInUse { token: String, arn: String },
    /// A value-changing call without a ClientRequestToken (raw HTTP clients).
    #[error("You must provide a ClientRequestToken value. We recommend a UUID-type value.")]
    MissingClientRequestToken,
    /// Both or neither of SecretString / SecretBinary.
    #[error("You must provide either SecretString or SecretBinary.")]
    NoSecretValue,
    #[error(
        "You can't specify both a binary secret value and a string secret value in the same secret."
    )]
    BothSecretValues,
    #[error("The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).")]
    RecoveryWindowOutOfRange,
    #[error("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.")]
    ForceWithRecoveryWindow,
    /// Moving a label that sits on another version without naming it.
    #[error(
        "The parameter RemoveFromVersionId can't be empty. Staging label {stage} is currently attached to version {holder}, so you must explicitly reference that version in RemoveFromVersionId."
    )]
    RemoveFromVersionRequired { stage: String, holder: String },
    /// RemoveFromVersionId names a version that does not hold the label.
    #[error(
        "The staging label {stage} is not attached to version {version}, so it can't be removed from it."
    )]
    StageNotOnRemoveVersion { stage: String, version: String },
    /// UpdateSecretVersionStage with neither version id.
    #[error("You must specify MoveToVersionId, RemoveFromVersionId, or both.")]
    NoVersionToMove,
    /// Removing AWSCURRENT without giving it a new home.
    #[error("You can't remove the staging label AWSCURRENT without moving it to another version.")]
    CannotRemoveCurrent,
    /// A version would carry more than 20 labels.
    #[error("A version can have at most 20 staging labels.")]
    TooManyStages,
    /// A write would give a secret more versions than the server's cap;
    /// versions younger than 24 hours are never removed to make room.
    #[error(
        "You can't create another version of secret {arn}: it has reached the quota of {cap} versions. Secrets Manager removes deprecated versions only once they are 24 hours old; retry later or update the secret less often."
    )]
    TooManyVersions { arn: String, cap: usize },
    /// Tag rules of the TagResource documentation.
    #[error("A secret can have at most 50 tags.")]
    TooManyTags,
    #[error("Tag keys must be 1 to 128 characters long.")]
    TagKeyLength,
    #[error("Tag values must be at most 256 characters long.")]
    TagValueLength,
    #[error("Tag keys and values can't start with the reserved prefix aws:.")]
    ReservedTagPrefix,
    #[error("Tag keys must be unique; {0} appears more than once.")]
    DuplicateTagKey(String),
    /// GetRandomPassword with options that leave nothing to draw from.
    #[error("The password character set is empty: every character type was excluded.")]
    EmptyCharacterSet,
    #[error(
        "The password length {length} is too short to include at least one character of each of the {types} included types."
    )]
    PasswordTooShortForTypes { length: u32, types: u32 },
    /// BatchGetSecretValue needs exactly one way of choosing secrets.
    #[error("Either 'SecretIdList' or 'Filters' must be provided, but not both.")]
    BatchIdsXorFilters,
    #[error(
        "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided."
    )]
    BatchMaxResultsNeedsFilters,
    /// A NextToken we did not issue.
    #[error("The NextToken value is not valid.")]
    InvalidNextToken,
    /// A feature this build does not have yet, named by the parameter.
    #[error("{0}")]
    Unsupported(&'static str),
    /// A resource policy that is not a valid policy document; the message
    /// is the policy grammar's (IAM's wording).
    #[error("{0}")]
    MalformedPolicy(String),
    /// BlockPublicPolicy is set and the policy grants broad access.
    #[error(
        "The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret."
    )]
    PublicPolicy,
    /// A KmsKeyId that is no key id, key ARN, alias name or alias ARN.
    #[error(
        "The parameter KmsKeyId is not valid: use a key ID, a key ARN, an alias name (alias/...) or an alias ARN."
    )]
    InvalidKmsKeyId,
    /// A KmsKeyId that names no key (in the secret's account and region,
    /// or the account and region of its ARN).
    #[error("Secrets Manager can't find the specified KMS key.")]
    KmsKeyNotFound,
    /// A KmsKeyId that names an asymmetric or HMAC key: Secrets Manager
    /// encrypts only under symmetric encryption keys.
    #[error(
        "Secrets Manager can't use the KMS key {arn}: its KeySpec is {spec} and its KeyUsage {usage}. Use a symmetric encryption KMS key (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT)."
    )]
    UnsupportedKmsKey {
        arn: String,
        spec: &'static str,
        usage: &'static str,
    },
    /// RotateSecret without a ClientRequestToken: AWS's message, but
    /// InvalidParameterException rather than the other operations' code.
    #[error("You must provide a ClientRequestToken value. We recommend a UUID-type value.")]
    RotateMissingClientRequestToken,
    /// RotateSecret with no RotationLambdaARN given or stored.
    #[error("No Lambda rotation function ARN is associated with this secret.")]
    NoRotationLambda,
    /// RotateSecret while AWSPENDING is on a version that is not AWSCURRENT.
    #[error("A previous rotation isn't complete. That rotation will be reattempted.")]
    RotationInProgress,
    /// RotationRules with both AutomaticallyAfterDays and ScheduleExpression
    /// (AWS's message, quoted in terraform-provider-aws#33329).
    #[error("You cannot specify both rotation frequency and schedule expression together.")]
    RotationFrequencyAndSchedule,
    /// RotationRules with neither AutomaticallyAfterDays nor ScheduleExpression.
    #[error(
        "You must specify either AutomaticallyAfterDays or ScheduleExpression in RotationRules."
    )]
    NoRotationSchedule,
    #[error("AutomaticallyAfterDays must be between 1 and 1000.")]
    RotationDaysOutOfRange,
    /// A schedule more frequent than every four hours.
    #[error("You can't rotate a secret more often than every 4 hours.")]
    RotationTooFrequent,
    #[error("The schedule expression {expression} isn't valid: {why}.")]
    InvalidScheduleExpression { expression: String, why: String },
    #[error(
        "The rotation window Duration {0} isn't valid: it must be a number of hours from 1h to 24h, such as 3h."
    )]
    InvalidRotationDuration(String),
    #[error(
        "The rotation window Duration {0} is too long: a rotation window can't extend into the next UTC day or into the next rotation window."
    )]
    RotationWindowTooLong(String),
    /// Only the `default` resource policy can be written or deleted.
    #[error("You can only attach or delete the resource policy named default.")]
    OnlyDefaultPolicy,
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        use Error::*;
        match self {
            InvalidName | NotInEnum { .. } => ErrorKind::Validation,
            SecretNotFound | StageNotFound(_) | VersionNotFound(_) | KmsKeyNotFound => {
                ErrorKind::ResourceNotFound
            }
            SecretExists(_) | TokenInUse { .. } => ErrorKind::ResourceExists,
            StageNotOnVersion
            | MarkedForDeletion
            | CrossAccountDefaultKey
            | AlreadyMarkedDeleted
            | NameScheduledForDeletion
            | MissingClientRequestToken
            | NoSecretValue
            | NoRotationLambda
            | RotationInProgress => ErrorKind::InvalidRequest,
            // TagResource declares no LimitExceededException, so too many tags is a parameter error.
            TooManyStages | TooManyVersions { .. } => ErrorKind::LimitExceeded,
            InvalidNextToken => ErrorKind::InvalidNextToken,
            Constraint { .. }
            | BothSecretValues
            | NotAValidVersion(_)
            | RecoveryWindowOutOfRange
            | ForceWithRecoveryWindow
            | RemoveFromVersionRequired { .. }
            | StageNotOnRemoveVersion { .. }
            | NoVersionToMove
            | CannotRemoveCurrent
            | TooManyTags
            | TagKeyLength
            | TagValueLength
            | ReservedTagPrefix
            | DuplicateTagKey(_)
            | BatchIdsXorFilters
            | BatchMaxResultsNeedsFilters
            | EmptyCharacterSet
            | PasswordTooShortForTypes { .. }
            | Unsupported(_)
            | InvalidKmsKeyId
            | UnsupportedKmsKey { .. }
            | OnlyDefaultPolicy
            | RotateMissingClientRequestToken
            | RotationFrequencyAndSchedule
            | NoRotationSchedule
            | RotationDaysOutOfRange
            | RotationTooFrequent
            | InvalidScheduleExpression { .. }
            | InvalidRotationDuration(_)
            | RotationWindowTooLong(_) => ErrorKind::InvalidParameter,
            MalformedPolicy(_) => ErrorKind::MalformedPolicyDocument,
            PublicPolicy => ErrorKind::PublicPolicy,
        }
    }
}
