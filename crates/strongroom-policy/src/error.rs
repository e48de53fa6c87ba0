//! Why a policy document was refused.
//!
//! Every variant's `Display` is the message IAM sends with a
//! `MalformedPolicyDocument` error, word for word, so the layer that speaks the
//! wire can pass it through unchanged. The sources for each wording are listed
//! on the variants; where IAM's behaviour could only be inferred (for example
//! which message wins when several rules are broken), the checks follow the
//! order `moto` reproduces from AWS (`moto/iam/policy_validation.py`).
//!
//! No variant carries anything but parts of the policy document itself, which
//! the caller wrote and may see again.

/// A policy document IAM would reject; `Display` is IAM's `MalformedPolicyDocument` message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Not JSON, not an object, an unknown or mistyped element, an unknown `Version`,
    /// `Action` with `NotAction` (or `Resource` with `NotResource`), a missing `Effect`,
    /// an unknown condition operator. IAM says nothing more specific for any of these
    /// (moto's test table; cfn-lint#2021, boto3#180).
    #[error("Syntax errors in policy.")]
    Syntax,
    /// The document parsed, but IAM's older parser refused it: an `Effect` not spelled
    /// exactly `Allow`/`Deny`, a date condition value that is not a date, a resource with
    /// `::` but too few colons (terraform#10057, torchserve-eks#3, moto's test table).
    #[error("The policy failed legacy parsing")]
    LegacyParsing,
    /// Not produced by [`crate::Policy::parse`] (inline and resource policies may omit
    /// `Version`); [`crate::Policy::require_current_version`] returns it for managed
    /// policies, which IAM's `CreatePolicy` refuses without `"Version": "2012-10-17"`
    /// (Meteor-CollectionFS#630).
    #[error("Policy document must be version 2012-10-17 or greater.")]
    VersionTooOld,
    /// Two statements share a non-empty `Sid` (kubernetes/kops#4951).
    #[error("Statement IDs (SID) in a single policy must be unique.")]
    DuplicateSid,
    /// A statement has neither `Action` nor `NotAction`, or an empty list (aws-cdk#7615).
    #[error("Policy statement must contain actions.")]
    MissingActions,
    /// A statement of a policy that needs resources has neither `Resource` nor
    /// `NotResource`, or an empty list (terraform-aws-s3-anti-virus#28).
    #[error("Policy statement must contain resources.")]
    MissingResources,
    /// A resource that is neither `*` nor colon-separated (terraform-aws-s3-anti-virus#21).
    #[error("Resource {0} must be in ARN format or \"*\".")]
    ResourceNotArn(String),
    /// A resource ARN whose partition is not `aws` (moto's test table).
    #[error("Partition \"{partition}\" is not valid for resource \"{resource}\".")]
    InvalidPartition {
        /// The second colon-separated field of the resource.
        partition: String,
        /// The resource as IAM echoes it: six fields, missing ones shown as `*`.
        resource: String,
    },
    /// A resource ARN that stops after its partition (moto's test table).
    #[error("Resource vendor must be fully qualified and cannot contain regexes.")]
    ResourceVendorNotQualified,
    /// An action without a `vendor:` prefix, e.g. `GetSecretValue` (moto's test table).
    #[error("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")]
    ActionWithoutVendor,
    /// An action with two colons, e.g. `s3:List:Bucket` (garnaat/kappa#111).
    #[error("Actions/Condition can contain only one colon.")]
    ActionTooManyColons,
    /// An action vendor with a wildcard, e.g. `*:Untag*` (boogy/iam-policy-validator#172,
    /// which quotes IAM's answer).
    #[error("Action vendors (e.g., aws, ec2, etc.) must not contain wildcards")]
    ActionVendorWildcard,
    /// An action vendor with characters other than letters, digits, `-` and `.`
    /// (moto's test table: `Vendor a a is not valid`).
    #[error("Vendor {0} is not valid")]
    InvalidVendor(String),
    /// `Principal` or `NotPrincipal` in an identity-based or session policy
    /// (hashicorp/terraform-provider-aws#10419, ember-cli-deploy-s3#65).
    #[error("Policy document should not specify a principal.")]
    PrincipalNotAllowed,
    /// A resource-based policy statement without `Principal`/`NotPrincipal`
    /// (humanmade/S3-Uploads#191, aws-amplify/docs#2586).
    #[error("Missing required field Principal")]
    MissingPrincipal,
    /// A role trust policy statement without principals: IAM's `CreateRole` answers with
    /// this internal-looking text (terraform-aws-modules/terraform-aws-iam#47).
    #[error(
        "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!"
    )]
    TrustPolicyWithoutPrincipal,
    /// An element a trust policy must not have: `Resource` or `NotResource`
    /// (kubernetes-sigs/external-dns#3085).
    #[error("Has prohibited field {0}")]
    ProhibitedField(&'static str),
    /// A principal IAM cannot resolve. `kind` is the principal type upper-cased as IAM
    /// prints it (`AWS`, `SERVICE`, `FEDERATED`, `CANONICALUSER`)
    /// (aws-actions/configure-aws-credentials#332, aws-samples/aws-cdk-examples#801).
    #[error("Invalid principal in policy: \"{kind}\":\"{value}\"")]
    InvalidPrincipal {
        /// The principal type as IAM prints it, e.g. `AWS`.
        kind: &'static str,
        /// The offending value, as written.
        value: String,
    },
}
