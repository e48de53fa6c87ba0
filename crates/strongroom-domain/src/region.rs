//! AWS regions: which ones a server serves by default, and what a region
//! name looks like.

/// AWS's commercial regions (partition `aws`): the regions served unless
/// `--regions` says otherwise. From botocore 1.44's `partitions.json`
/// (without its `aws-global` pseudo-region); China, GovCloud, ISO and the
/// European Sovereign Cloud are other partitions, with other ARNs.
pub const COMMERCIAL_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
];

/// The region IAM's credential scope names: IAM is global, and AWS signs
/// its requests for `us-east-1` whatever region the client is in.
pub const IAM_SIGNING_REGION: &str = "us-east-1";

/// Whether `name` is shaped like a region, as Secrets Manager's model
/// declares one: `^([a-z]+-)+\d+$`, at most 128 characters.
pub fn is_region_name(name: &str) -> bool {
    if name.len() > 128 {
        return false;
    }
    let Some((words, number)) = name.rsplit_once('-') else {
        return false;
    };
    !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && words
            .split('-')
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commercial_regions_are_region_names_and_unique() {
        for r in COMMERCIAL_REGIONS {
            assert!(is_region_name(r), "{r}");
        }
        let mut sorted = COMMERCIAL_REGIONS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), COMMERCIAL_REGIONS.len());
    }

    #[test]
    fn region_shape() {
        for good in [
            "us-east-1",
            "eu-central-2",
            "a-1",
            "us-gov-west-1",
            "x-y-z-10",
        ] {
            assert!(is_region_name(good), "{good}");
        }
        for bad in [
            "",
            "us",
            "us-east",
            "-1",
            "us--east-1",
            "US-EAST-1",
            "us-east-1a",
            "us_east-1",
            "us-east-",
            "1-2",
            "us-east1-",
        ] {
            assert!(!is_region_name(bad), "{bad}");
        }
        assert!(!is_region_name(&format!("{}-1", "a".repeat(127))));
    }
}
