//! Wildcard patterns (`*` any run of characters, `?` exactly one character) and
//! ARN patterns matched field by field.
//!
//! Patterns are compiled once when a policy is parsed; matching never allocates.
//! The common shapes (`*`, an exact string, `prefix*`) get their own fast paths,
//! because most policies use nothing else and `authorize` runs on every request.

/// One piece of a wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    /// Characters that must appear as written (case folding is the caller's choice).
    Lit(String),
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    One,
}

/// Splits `pattern` into segments, treating `*` and `?` as wildcards.
pub(crate) fn segments(pattern: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    push_wild_text(&mut out, pattern);
    out
}

/// Appends `text` to `out`, `*`/`?` as wildcards, merging with a trailing literal.
pub(crate) fn push_wild_text(out: &mut Vec<Seg>, text: &str) {
    for c in text.chars() {
        match c {
            '*' => {
                // `**` matches what `*` matches; one star keeps backtracking linear.
                if out.last() != Some(&Seg::Star) {
                    out.push(Seg::Star);
                }
            }
            '?' => out.push(Seg::One),
            c => push_literal_char(out, c),
        }
    }
}

/// Appends `text` as literal characters (no wildcards), merging with a trailing literal.
pub(crate) fn push_literal(out: &mut Vec<Seg>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Seg::Lit(last)) = out.last_mut() {
        last.push_str(text);
    } else {
        out.push(Seg::Lit(text.to_owned()));
    }
}

fn push_literal_char(out: &mut Vec<Seg>, c: char) {
    if let Some(Seg::Lit(last)) = out.last_mut() {
        last.push(c);
    } else {
        out.push(Seg::Lit(c.to_string()));
    }
}

/// A compiled wildcard pattern.
#[derive(Debug, Clone)]
pub(crate) enum Glob {
    /// `*` alone: matches everything.
    Any,
    /// No wildcards.
    Exact(Box<str>),
    /// `literal*`: the commonest shape after the two above.
    Prefix(Box<str>),
    /// Anything else.
    General(Box<[Seg]>),
}

impl Glob {
    /// Compiles `pattern`, `*` and `?` being wildcards.
    pub(crate) fn new(pattern: &str) -> Glob {
        Glob::from_segments(segments(pattern))
    }

    /// Compiles already split segments.
    pub(crate) fn from_segments(segs: Vec<Seg>) -> Glob {
        match segs.as_slice() {
            [Seg::Star] => Glob::Any,
            [] => Glob::Exact("".into()),
            [Seg::Lit(l)] => Glob::Exact(l.as_str().into()),
            [Seg::Lit(l), Seg::Star] => Glob::Prefix(l.as_str().into()),
            _ => Glob::General(segs.into_boxed_slice()),
        }
    }

    /// True when `text` matches, comparing literals exactly.
    pub(crate) fn matches(&self, text: &str) -> bool {
        self.matches_with(text, false)
    }

    /// True when `text` matches, comparing literals with ASCII case folded
    /// (action names are ASCII; IAM matches them case-insensitively).
    pub(crate) fn matches_ignore_ascii_case(&self, text: &str) -> bool {
        self.matches_with(text, true)
    }

    fn matches_with(&self, text: &str, fold: bool) -> bool {
        match self {
            Glob::Any => true,
            Glob::Exact(e) => eq_bytes(e.as_bytes(), text.as_bytes(), fold),
            Glob::Prefix(p) => {
                text.len() >= p.len() && eq_bytes(p.as_bytes(), &text.as_bytes()[..p.len()], fold)
            }
            Glob::General(segs) => match_segments(segs, text, fold),
        }
    }
}

fn eq_bytes(a: &[u8], b: &[u8], fold: bool) -> bool {
    if fold {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

/// Length in bytes of the character starting at byte `i` of `s`.
fn char_len_at(s: &str, i: usize) -> usize {
    s[i..].chars().next().map_or(1, char::len_utf8)
}

/// The classic wildcard matcher that backtracks only to the last `*`; correct because
/// `*` is the only element of variable length. Linear in practice, never allocates.
pub(crate) fn match_segments(segs: &[Seg], text: &str, fold: bool) -> bool {
    let bytes = text.as_bytes();
    let mut si = 0;
    let mut ti = 0;
    // (segment after the star, text position the star currently ends at)
    let mut star: Option<(usize, usize)> = None;
    loop {
        if let Some(seg) = segs.get(si) {
            match seg {
                Seg::Star => {
                    star = Some((si + 1, ti));
                    si += 1;
                    continue;
                }
                Seg::One => {
                    if ti < bytes.len() {
                        ti += char_len_at(text, ti);
                        si += 1;
                        continue;
                    }
                }
                Seg::Lit(l) => {
                    let end = ti + l.len();
                    // Equal bytes start and end on character boundaries because `l`
                    // is valid UTF-8 and ASCII folding never touches multi-byte chars.
                    if end <= bytes.len() && eq_bytes(l.as_bytes(), &bytes[ti..end], fold) {
                        ti = end;
                        si += 1;
                        continue;
                    }
                }
            }
        } else if ti == bytes.len() {
            return true;
        }
        // Mismatch: let the last star swallow one more character, or give up.
        match star {
            Some((after, end)) if end < bytes.len() => {
                let next = end + char_len_at(text, end);
                star = Some((after, next));
                si = after;
                ti = next;
            }
            _ => return false,
        }
    }
}

/// An ARN pattern: up to six colon-separated fields, each a wildcard pattern.
///
/// IAM compares `arn:partition:service:region:account:resource` field by field: a
/// wildcard in the first five fields never crosses a colon, while the last field
/// (the resource, which may itself contain colons) takes the rest of the ARN. A pattern
/// with fewer fields lets its last field take the rest, so `arn:aws:secretsmanager:*`
/// covers every secret. `*` alone matches every resource, including `*`.
#[derive(Debug, Clone)]
pub(crate) struct ArnPattern {
    fields: Box<[Glob]>,
}

/// IAM ARNs have six fields; the sixth keeps any further colons.
const ARN_FIELDS: usize = 6;

impl ArnPattern {
    /// Compiles `pattern`, `*` and `?` being wildcards.
    pub(crate) fn new(pattern: &str) -> ArnPattern {
        ArnPattern::from_segments(segments(pattern))
    }

    /// Compiles segments whose literal parts may still contain the field colons.
    pub(crate) fn from_segments(segs: Vec<Seg>) -> ArnPattern {
        let mut fields: Vec<Vec<Seg>> = vec![Vec::new()];
        for seg in segs {
            match seg {
                Seg::Lit(text) => {
                    let mut rest = text.as_str();
                    while fields.len() < ARN_FIELDS {
                        let Some(i) = rest.find(':') else { break };
                        push_literal(last_mut(&mut fields), &rest[..i]);
                        fields.push(Vec::new());
                        rest = &rest[i + 1..];
                    }
                    push_literal(last_mut(&mut fields), rest);
                }
                other => last_mut(&mut fields).push(other),
            }
        }
        ArnPattern {
            fields: fields.into_iter().map(Glob::from_segments).collect(),
        }
    }

    /// True when `arn` matches field by field (case-sensitive, as IAM compares ARNs).
    pub(crate) fn matches(&self, arn: &str) -> bool {
        let mut parts = arn.splitn(self.fields.len(), ':');
        self.fields
            .iter()
            .all(|field| parts.next().is_some_and(|part| field.matches(part)))
    }
}

fn last_mut(fields: &mut [Vec<Seg>]) -> &mut Vec<Seg> {
    match fields.last_mut() {
        Some(last) => last,
        // `fields` starts with one element and only grows.
        None => unreachable!("an ARN pattern always has a field"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn glob_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "", true),
            ("", "", true),
            ("", "a", false),
            ("a*", "abc", true),
            ("a*", "ba", false),
            ("*c", "abc", true),
            ("a*c", "ac", true),
            ("a*c", "abdc", true),
            ("a*c", "abd", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a?c", "aéc", true),
            ("*a*b*", "xxaxxbxx", true),
            ("*a*b*", "xxbxxaxx", false),
            ("a**b", "ab", true),
            ("??", "é", false),
        ];
        for (pattern, text, want) in cases {
            assert_eq!(
                Glob::new(pattern).matches(text),
                *want,
                "{pattern} vs {text}"
            );
        }
    }

    #[test]
    fn fold_only_when_asked() {
        assert!(Glob::new("Secrets*").matches_ignore_ascii_case("secretsmanager"));
        assert!(!Glob::new("Secrets*").matches("secretsmanager"));
    }

    #[test]
    fn arn_fields_do_not_let_stars_cross_colons() {
        let p = ArnPattern::new("arn:aws:secretsmanager:*:111122223333:secret:a*");
        assert!(p.matches("arn:aws:secretsmanager:us-east-1:111122223333:secret:ab-x1"));
        // A star in the region field cannot swallow `us-east-1:111122223333`.
        let q = ArnPattern::new("arn:aws:secretsmanager:*:secret:*");
        assert!(!q.matches("arn:aws:secretsmanager:us-east-1:111122223333:secret:ab"));
        // A short pattern's last field takes the rest.
        assert!(
            ArnPattern::new("arn:aws:secretsmanager:*")
                .matches("arn:aws:secretsmanager:r:1:secret:x")
        );
        assert!(ArnPattern::new("*").matches("*"));
        assert!(!ArnPattern::new("arn:*").matches("*"));
    }
}
