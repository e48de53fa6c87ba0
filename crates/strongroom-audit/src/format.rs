//! The exact bytes of a segment: file names, the header line, record lines,
//! and the strict parsers that read them back.
//!
//! A segment `dir/NNNNNNNNNNNN.jsonl` (the segment number, 12 digits, zero
//! padded) holds one JSON object per line, each ending in `\n`:
//!
//! ```text
//! {"strongroom_audit":1,"segment":N,"first_seq":S,"prev_mac":"<64 hex>","mac":"<64 hex>"}
//! {"seq":S,"mac":"<64 hex>","record":<record>}
//! {"seq":S+1,"mac":"<64 hex>","record":<record>}
//! ```
//!
//! The parsers accept only the bytes the writer produces (members in this
//! order, no whitespace, canonical decimal numbers, lowercase hex): every
//! byte of a line outside `<record>` is then determined by the values it
//! carries, and `<record>` is exactly the MACed bytes, so any edit of a line
//! either fails to parse or changes a MACed value.

use crate::key::Mac;

/// The extension of segment files.
pub(crate) const SEGMENT_EXT: &str = "jsonl";

/// The format version in each header line (`"strongroom_audit":1`).
pub(crate) const FORMAT_VERSION: u64 = 1;

/// The name of segment `number`: zero padded, so names sort like numbers.
pub(crate) fn segment_file_name(number: u64) -> String {
    format!("{number:012}.{SEGMENT_EXT}")
}

/// What a directory entry's name says it is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// A segment, named exactly as [`segment_file_name`] names it.
    Segment(u64),
    /// Digits and `.jsonl`, but not a name the writer would give: someone
    /// renamed or copied a segment.
    NonCanonicalSegment,
    /// Anything else (the lock file, an operator's notes): not ours to judge.
    Other,
}

/// Classifies a directory entry by its file name.
pub(crate) fn classify_file_name(name: &str) -> FileKind {
    let Some(stem) = name.strip_suffix(".jsonl") else {
        return FileKind::Other;
    };
    if stem.is_empty() || !stem.bytes().all(|b| b.is_ascii_digit()) {
        return FileKind::Other;
    }
    match stem.parse::<u64>() {
        Ok(n) if n > 0 && segment_file_name(n) == name => FileKind::Segment(n),
        _ => FileKind::NonCanonicalSegment,
    }
}

/// A parsed segment header line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    /// The segment's number; must match the file name.
    pub segment: u64,
    /// The sequence number of the segment's first record (the previous
    /// segment's last plus one).
    pub first_seq: u64,
    /// The MAC of the record before `first_seq` (all zeros before the first
    /// record ever written): where the chain continues from.
    pub prev_mac: Mac,
    /// MAC over the three values above.
    pub mac: Mac,
}

/// A parsed record line; `record` borrows the line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RecordLine<'a> {
    /// The record's sequence number.
    pub seq: u64,
    /// `HMAC(key, prev_mac ‖ seq ‖ record)`.
    pub mac: Mac,
    /// The record's JSON bytes, exactly as MACed.
    pub record: &'a [u8],
}

/// Appends the header line (with its newline) for a segment.
pub(crate) fn push_header(
    buf: &mut Vec<u8>,
    segment: u64,
    first_seq: u64,
    prev_mac: &Mac,
    mac: &Mac,
) {
    buf.extend_from_slice(b"{\"strongroom_audit\":");
    push_u64(buf, FORMAT_VERSION);
    buf.extend_from_slice(b",\"segment\":");
    push_u64(buf, segment);
    buf.extend_from_slice(b",\"first_seq\":");
    push_u64(buf, first_seq);
    buf.extend_from_slice(b",\"prev_mac\":\"");
    push_hex(buf, prev_mac);
    buf.extend_from_slice(b"\",\"mac\":\"");
    push_hex(buf, mac);
    buf.extend_from_slice(b"\"}\n");
}

/// The chain head file's fixed size: the line, padded with spaces, and a
/// newline. A constant size means every update is one overwrite of one
/// sector at offset 0 and never changes the file's length (no metadata for
/// a crash to lose half of).
pub(crate) const HEAD_LEN: usize = 256;

/// A parsed chain head (`HEAD`): the last durable record when it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Head {
    /// That record's sequence number (0: the chain had no record yet).
    pub seq: u64,
    /// Its MAC (the genesis MAC for seq 0).
    pub mac: Mac,
    /// The segment holding it (0 for seq 0).
    pub segment: u64,
    /// MAC over the three values above.
    pub head_mac: Mac,
}

/// The chain head file's bytes: exactly [`HEAD_LEN`] of them.
pub(crate) fn head_bytes(head: &Head) -> [u8; HEAD_LEN] {
    let mut buf = Vec::with_capacity(HEAD_LEN);
    buf.extend_from_slice(b"{\"seq\":");
    push_u64(&mut buf, head.seq);
    buf.extend_from_slice(b",\"mac\":\"");
    push_hex(&mut buf, &head.mac);
    buf.extend_from_slice(b"\",\"segment\":");
    push_u64(&mut buf, head.segment);
    buf.extend_from_slice(b",\"head_mac\":\"");
    push_hex(&mut buf, &head.head_mac);
    buf.extend_from_slice(b"\"}");
    // At most 214 bytes (two 20-digit numbers): always fits.
    let mut out = [b' '; HEAD_LEN];
    let n = buf.len().min(HEAD_LEN - 1);
    out[..n].copy_from_slice(&buf[..n]);
    out[HEAD_LEN - 1] = b'\n';
    out
}

/// Parses the chain head file's content.
pub(crate) fn parse_head(bytes: &[u8]) -> Result<Head, &'static str> {
    if bytes.len() != HEAD_LEN || bytes.last() != Some(&b'\n') {
        return Err("HEAD is not the writer's fixed-size file");
    }
    let line = bytes[..HEAD_LEN - 1].trim_ascii_end();
    let mut p = Parser(line);
    p.literal(b"{\"seq\":", "HEAD: expected \"seq\"")?;
    let seq = p.u64()?;
    p.literal(b",\"mac\":\"", "HEAD: expected \"mac\"")?;
    let mac = p.mac()?;
    p.literal(b"\",\"segment\":", "HEAD: expected \"segment\"")?;
    let segment = p.u64()?;
    p.literal(b",\"head_mac\":\"", "HEAD: expected \"head_mac\"")?;
    let head_mac = p.mac()?;
    p.literal(b"\"}", "HEAD: unexpected bytes after \"head_mac\"")?;
    if !p.0.is_empty() {
        return Err("HEAD: unexpected bytes at the end of the line");
    }
    Ok(Head {
        seq,
        mac,
        segment,
        head_mac,
    })
}

/// Appends one record line (with its newline). `record` must hold no `\n`.
pub(crate) fn push_record(buf: &mut Vec<u8>, seq: u64, mac: &Mac, record: &[u8]) {
    debug_assert!(!record.contains(&b'\n'));
    buf.extend_from_slice(b"{\"seq\":");
    push_u64(buf, seq);
    buf.extend_from_slice(b",\"mac\":\"");
    push_hex(buf, mac);
    buf.extend_from_slice(b"\",\"record\":");
    buf.extend_from_slice(record);
    buf.extend_from_slice(b"}\n");
}

/// Parses a header line (without its newline).
pub(crate) fn parse_header(line: &[u8]) -> Result<Header, &'static str> {
    let mut p = Parser(line);
    p.literal(b"{\"strongroom_audit\":", "not a segment header")?;
    if p.u64()? != FORMAT_VERSION {
        return Err("unknown format version");
    }
    p.literal(b",\"segment\":", "header: expected \"segment\"")?;
    let segment = p.u64()?;
    p.literal(b",\"first_seq\":", "header: expected \"first_seq\"")?;
    let first_seq = p.u64()?;
    p.literal(b",\"prev_mac\":\"", "header: expected \"prev_mac\"")?;
    let prev_mac = p.mac()?;
    p.literal(b"\",\"mac\":\"", "header: expected \"mac\"")?;
    let mac = p.mac()?;
    p.literal(b"\"}", "header: unexpected bytes after \"mac\"")?;
    if !p.0.is_empty() {
        return Err("header: unexpected bytes at the end of the line");
    }
    Ok(Header {
        segment,
        first_seq,
        prev_mac,
        mac,
    })
}

/// Parses a record line (without its newline).
pub(crate) fn parse_record(line: &[u8]) -> Result<RecordLine<'_>, &'static str> {
    let mut p = Parser(line);
    p.literal(b"{\"seq\":", "not a record line (expected {\"seq\":)")?;
    let seq = p.u64()?;
    p.literal(b",\"mac\":\"", "record line: expected \"mac\"")?;
    let mac = p.mac()?;
    p.literal(b"\",\"record\":", "record line: expected \"record\"")?;
    let Some(record) = p.0.strip_suffix(b"}") else {
        return Err("record line: does not end with }");
    };
    if record.is_empty() {
        return Err("record line: empty record");
    }
    Ok(RecordLine { seq, mac, record })
}

/// Reads just the `seq` of a record line, for locating a misplaced record.
pub(crate) fn peek_seq(line: &[u8]) -> Option<u64> {
    let mut p = Parser(line);
    p.literal(b"{\"seq\":", "").ok()?;
    p.u64().ok()
}

/// A cursor over a line being parsed.
struct Parser<'a>(&'a [u8]);

impl Parser<'_> {
    fn literal(&mut self, lit: &[u8], err: &'static str) -> Result<(), &'static str> {
        match self.0.strip_prefix(lit) {
            Some(rest) => {
                self.0 = rest;
                Ok(())
            }
            None => Err(err),
        }
    }

    /// A canonical decimal (no sign, no leading zero) that fits in a u64.
    fn u64(&mut self) -> Result<u64, &'static str> {
        let digits = self.0.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return Err("expected a number");
        }
        if digits > 1 && self.0[0] == b'0' {
            // `07` would parse as 7: refused, so that every byte counts.
            return Err("number with a leading zero");
        }
        let mut n: u64 = 0;
        for &b in &self.0[..digits] {
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(b - b'0')))
                .ok_or("number out of range")?;
        }
        self.0 = &self.0[digits..];
        Ok(n)
    }

    /// 64 lowercase hex digits.
    fn mac(&mut self) -> Result<Mac, &'static str> {
        if self.0.len() < 64 {
            return Err("MAC too short");
        }
        let mut mac = [0u8; 32];
        for (i, pair) in self.0[..64].chunks_exact(2).enumerate() {
            mac[i] = (hex_val(pair[0])? << 4) | hex_val(pair[1])?;
        }
        self.0 = &self.0[64..];
        Ok(mac)
    }
}

fn hex_val(b: u8) -> Result<u8, &'static str> {
    match b {
        b'0'..=b'9' => Ok(b - b'0'),
        b'a'..=b'f' => Ok(b - b'a' + 10),
        // Uppercase is refused too: `A` and `a` would carry the same value.
        _ => Err("MAC is not 64 lowercase hex digits"),
    }
}

fn push_hex(buf: &mut Vec<u8>, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        buf.push(DIGITS[usize::from(b >> 4)]);
        buf.push(DIGITS[usize::from(b & 0x0f)]);
    }
}

fn push_u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        // `n % 10` is below 10, so the cast cannot truncate.
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_round_trip_and_others_are_told_apart() {
        assert_eq!(segment_file_name(7), "000000000007.jsonl");
        assert_eq!(
            classify_file_name("000000000007.jsonl"),
            FileKind::Segment(7)
        );
        assert_eq!(classify_file_name("7.jsonl"), FileKind::NonCanonicalSegment);
        assert_eq!(
            classify_file_name("000000000000.jsonl"),
            FileKind::NonCanonicalSegment
        );
        assert_eq!(classify_file_name("audit.lock"), FileKind::Other);
        assert_eq!(
            classify_file_name("000000000007.jsonl.bak"),
            FileKind::Other
        );
    }

    #[test]
    fn lines_round_trip() {
        let mut buf = Vec::new();
        push_header(&mut buf, 3, 120, &[1; 32], &[2; 32]);
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        assert_eq!(
            parse_header(line),
            Ok(Header {
                segment: 3,
                first_seq: 120,
                prev_mac: [1; 32],
                mac: [2; 32]
            })
        );
        buf.clear();
        push_record(&mut buf, 120, &[0xab; 32], br#"{"a":[1,2]}"#);
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let parsed = parse_record(line);
        assert_eq!(
            parsed,
            Ok(RecordLine {
                seq: 120,
                mac: [0xab; 32],
                record: br#"{"a":[1,2]}"#
            })
        );
        assert_eq!(peek_seq(line), Some(120));
    }

    #[test]
    fn head_round_trips_at_a_fixed_size() {
        let head = Head {
            seq: u64::MAX,
            mac: [0xcd; 32],
            segment: u64::MAX,
            head_mac: [0x01; 32],
        };
        let bytes = head_bytes(&head);
        assert_eq!(parse_head(&bytes), Ok(head));
        let mut edited = bytes;
        edited[8] = b'0';
        assert_ne!(parse_head(&edited), Ok(head));
        assert!(parse_head(&bytes[..HEAD_LEN - 1]).is_err());
    }

    #[test]
    fn non_canonical_bytes_are_refused() {
        let mac = "ab".repeat(32);
        let ok = format!(r#"{{"seq":12,"mac":"{mac}","record":{{}}}}"#);
        assert!(parse_record(ok.as_bytes()).is_ok());
        for bad in [
            ok.replace("\"seq\":12", "\"seq\":012"),
            ok.replace("\"seq\":12", "\"seq\": 12"),
            ok.replace(&mac, &mac.to_uppercase()),
            ok.replace("\"seq\":12", "\"seq\":99999999999999999999"),
            ok.replace(",\"record\":{}}", ",\"record\":}"),
            ok.replace("{\"seq\"", "{\"sequence\""),
        ] {
            assert!(parse_record(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
