//! The botocore model's member constraints (required, length, range, enum,
//! pattern). Clients only check minimums, so the server checks everything.

use strongroom_domain::Error;

fn constraint(member: &str, shown: Option<&str>, constraint: String) -> Error {
    Error::Constraint {
        member: member.to_owned(),
        shown: shown.map(|v| format!("'{v}' ")).unwrap_or_default(),
        constraint,
    }
}

/// AWS writes a missing member as `Value null at …`, unquoted.
fn missing(member: &str) -> Error {
    Error::Constraint {
        member: member.to_owned(),
        shown: "null ".to_owned(),
        constraint: "Member must not be null".to_owned(),
    }
}

pub fn required<T>(member: &str, value: Option<T>) -> Result<T, Error> {
    value.ok_or_else(|| missing(member))
}

/// Length in characters (the model's unit for strings).
pub fn length(member: &str, value: &str, min: usize, max: usize) -> Result<(), Error> {
    within(member, value.chars().count(), min, max)
}

/// Length in bytes, for secret values (limits are stated in bytes).
pub fn byte_length(member: &str, value: &[u8], min: usize, max: usize) -> Result<(), Error> {
    within(member, value.len(), min, max)
}

fn within(member: &str, n: usize, min: usize, max: usize) -> Result<(), Error> {
    if n < min {
        return Err(constraint(
            member,
            None,
            format!("Member must have length greater than or equal to {min}"),
        ));
    }
    if n > max {
        return Err(constraint(
            member,
            None,
            format!("Member must have length less than or equal to {max}"),
        ));
    }
    Ok(())
}

pub fn opt_length(member: &str, value: Option<&str>, min: usize, max: usize) -> Result<(), Error> {
    value.map_or(Ok(()), |v| length(member, v, min, max))
}

pub fn range(member: &str, value: i64, min: i64, max: i64) -> Result<(), Error> {
    let shown = value.to_string();
    if value < min {
        return Err(constraint(
            member,
            Some(&shown),
            format!("Member must have value greater than or equal to {min}"),
        ));
    }
    if value > max {
        return Err(constraint(
            member,
            Some(&shown),
            format!("Member must have value less than or equal to {max}"),
        ));
    }
    Ok(())
}

pub fn opt_range(member: &str, value: Option<i64>, min: i64, max: i64) -> Result<(), Error> {
    value.map_or(Ok(()), |v| range(member, v, min, max))
}

/// Number of items in a list member.
pub fn items(member: &str, n: usize, min: usize, max: usize) -> Result<(), Error> {
    within(member, n, min, max)
}

pub fn one_of(member: &str, value: &str, allowed: &[&str]) -> Result<(), Error> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(not_in_enum(member, value, allowed))
    }
}

pub fn not_in_enum(member: &str, value: &str, allowed: &[&str]) -> Error {
    Error::NotInEnum {
        member: member.to_owned(),
        value: value.to_owned(),
        allowed: allowed.join(", "),
    }
}

/// `^\!?[a-zA-Z0-9 :_@\/\+\=\.\-\!]*$` (FilterValueStringType).
pub fn filter_value(member: &str, value: &str) -> Result<(), Error> {
    length(member, value, 0, 512)?;
    let body = value.strip_prefix('!').unwrap_or(value);
    if body
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " :_@/+=.-!".contains(c))
    {
        Ok(())
    } else {
        Err(constraint(
            member,
            Some(value),
            "Member must satisfy regular expression pattern: ^\\!?[a-zA-Z0-9 :_@\\/\\+\\=\\.\\-\\!]*$".to_owned(),
        ))
    }
}

/// `[0-9A-Za-z\-\_]+`, 1–64 (ResourcePolicyNameType).
pub fn policy_name(member: &str, value: &str) -> Result<(), Error> {
    length(member, value, 1, 64)?;
    if value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(())
    } else {
        Err(constraint(
            member,
            Some(value),
            "Member must satisfy regular expression pattern: [0-9A-Za-z\\-\\_]+".to_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        assert_eq!(
            length("name", "", 1, 512).unwrap_err().to_string(),
            "1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
        assert_eq!(
            range("maxResults", 101, 1, 100).unwrap_err().to_string(),
            "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100"
        );
        assert!(
            required::<u8>("secretId", None)
                .unwrap_err()
                .to_string()
                .contains("Member must not be null")
        );
        assert!(filter_value("v", "!a b/c").is_ok());
        assert!(filter_value("v", "a*b").is_err());
        assert!(one_of("sortOrder", "up", &["asc", "desc"]).is_err());
        assert!(policy_name("policyName", "default").is_ok());
        assert!(policy_name("policyName", "a b").is_err());
        assert!(policy_name("policyName", "").is_err());
    }
}
