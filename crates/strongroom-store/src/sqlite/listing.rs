//! One page of a filtered, sorted listing (ListSecrets, BatchGetSecretValue
//! by filters), found through indexes. The filter that narrows the listing
//! most (`filter::probes`: index ranges of a name prefix or of word-index
//! keys, counted) picks one of three plans:
//! - at most `max_candidates` entries: look them up by primary key and let
//!   SQLite sort them (the best few first), checking them in order until
//!   the page is full;
//! - at most `max_joined`: walk the region's index for the sort order from
//!   the cursor, and let SQLite rule out, on the index alone, rows that are
//!   not in that set;
//! - more, or no such filter: walk it all the same, ruling out in SQL what
//!   the index's columns can (a `name` prefix; deleted secrets after one
//!   row read).
//!
//! A walk checks at most `max_scanned` of the rows SQLite hands it; a page
//! that runs out of rows to check ends early, with a cursor at the last row
//! read, so rare matches cost more pages, never a longer one. Every
//! candidate is checked with `filter::fields_match_all`, the definition, so
//! the SQL only has to find a superset; tags are read only for secrets whose
//! tags could change the outcome (`filter::tag_probes`). Only the page's
//! secrets are loaded whole.

use super::db_err;
use super::tx::SqliteTx;
use crate::{SecretPage, SecretQuery, StoreError};
use rusqlite::types::Value;
use std::collections::HashSet;
use strongroom_domain::Tag;
use strongroom_domain::filter::{
    Filter, FilterKey, Probe, Searchable, fields_match_all, probes, reads_tags, region_outcome,
    tag_probes,
};
use strongroom_domain::listing::{Cursor, Sort, SortBy, SortKey};

/// What one page of a listing may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListingLimits {
    /// Most index entries a page looks up and sorts (a name prefix's count
    /// ten times, see `weight`).
    pub max_candidates: usize,
    /// Most index entries a page turns into a set of primary keys: the
    /// narrowest filter's, which rules rows out while a walk reads the sort
    /// index, and the secrets whose tags could matter (others' are not read).
    pub max_joined: usize,
    /// Most rows a walk checks a page (rows that SQLite already ruled out on
    /// the sort index are not counted).
    pub max_scanned: usize,
}

impl Default for ListingLimits {
    fn default() -> Self {
        ListingLimits {
            max_candidates: 2_000,
            max_joined: 20_000,
            max_scanned: 10_000,
        }
    }
}

/// The sort key's SQL, written exactly as in the indexes that serve it
/// (`schema.rs`, V4), so SQLite walks them.
fn sort_expr(by: SortBy) -> &'static str {
    match by {
        SortBy::CreatedDate => "s.created",
        SortBy::LastChangedDate => "s.last_changed",
        // NEVER_ACCESSED, written so that SQLite keeps it an integer.
        SortBy::LastAccessedDate => "COALESCE(s.last_accessed, -9223372036854775807 - 1)",
        SortBy::Name => "s.name",
    }
}

fn order_by(sort: Sort) -> String {
    let dir = if sort.descending { "DESC" } else { "ASC" };
    match sort.by {
        // Names are unique in a region: no tie to break.
        SortBy::Name => format!("s.name {dir}"),
        by => format!("{} {dir}, s.name {dir}", sort_expr(by)),
    }
}

/// The least string above every string that starts with `prefix`, `None`
/// if there is none (every string starts with "").
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// `column` within the range of strings starting with `prefix`.
fn prefix_range(column: &str, prefix: &str, params: &mut Vec<Value>) -> String {
    params.push(Value::Text(prefix.to_owned()));
    match prefix_end(prefix) {
        Some(end) => {
            params.push(Value::Text(end));
            format!("{column} >= ? AND {column} < ?")
        }
        None => format!("{column} >= ?"),
    }
}

/// The primary keys a probe finds, as a SELECT.
fn probe_select(q: &SecretQuery<'_>, probe: &Probe, params: &mut Vec<Value>) -> String {
    match probe {
        Probe::NamePrefix(prefix) => {
            params.push(Value::Text(q.account.to_owned()));
            params.push(Value::Text(q.region.to_owned()));
            let range = prefix_range("name", prefix, params);
            format!("SELECT pk FROM secrets WHERE account = ? AND region = ? AND {range}")
        }
        Probe::Index { fields, prefix } => {
            let codes: Vec<String> = fields
                .iter()
                .map(|f| super::words::field_code(*f).to_string())
                .collect();
            let range = prefix_range("key", prefix, params);
            format!(
                "SELECT secret_pk FROM secret_words WHERE field IN ({}) AND {range}",
                codes.join(", ")
            )
        }
    }
}

/// How many index entries `probe` finds, counting no further than `max`.
fn count(
    tx: &SqliteTx<'_>,
    q: &SecretQuery<'_>,
    probe: &Probe,
    max: usize,
) -> Result<usize, StoreError> {
    let err = db_err("counting listing candidates");
    let mut params = Vec::new();
    let select = probe_select(q, probe, &mut params);
    params.push(Value::Integer(i64::try_from(max).unwrap_or(i64::MAX)));
    let n: i64 = tx
        .conn
        .prepare_cached(&format!("SELECT count(*) FROM ({select} LIMIT ?)"))
        .map_err(&err)?
        .query_row(rusqlite::params_from_iter(params), |r| r.get(0))
        .map_err(&err)?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// What looking one candidate up costs, relative to a word-index entry: a
/// name prefix is cheap to walk in sort order instead (the sort indexes hold
/// the name), so it drives the listing only when it is quite narrow.
fn weight(probe: &Probe) -> usize {
    match probe {
        Probe::NamePrefix(_) => 10,
        Probe::Index { .. } => 1,
    }
}

/// The probes of the filter that narrows the listing most, and their
/// (weighted) count of index entries, if it is at most `max_joined`.
fn narrowest(
    tx: &SqliteTx<'_>,
    q: &SecretQuery<'_>,
    filters: &[Filter],
) -> Result<Option<(usize, Vec<Probe>)>, StoreError> {
    let mut best: Option<(usize, Vec<Probe>)> = None;
    for filter in filters {
        let Some(probes) = probes(filter) else {
            continue;
        };
        let bound = best.as_ref().map_or(
            tx.listing.max_joined.max(tx.listing.max_candidates),
            |(cost, _)| *cost,
        );
        let mut cost = 0;
        for probe in &probes {
            let w = weight(probe);
            cost += w * count(tx, q, probe, (bound - cost) / w + 1)?;
            if cost > bound {
                break;
            }
        }
        if cost <= bound {
            if cost == 0 {
                return Ok(Some((0, Vec::new())));
            }
            best = Some((cost, probes));
        }
    }
    Ok(best)
}

/// What the sort-driven walk can check in SQL, on the sort index's own
/// columns before it reads a row: positive `name` filters (the `+` keeps
/// SQLite from taking them as the index to walk), and not being scheduled
/// for deletion.
fn walk_conditions(q: &SecretQuery<'_>, filters: &[Filter], params: &mut Vec<Value>) -> String {
    let mut sql = String::new();
    for filter in filters.iter().filter(|f| f.key == FilterKey::Name) {
        let Some(probes) = probes(filter) else {
            continue;
        };
        let ranges: Vec<String> = probes
            .iter()
            .filter_map(|p| match p {
                Probe::NamePrefix(prefix) => {
                    Some(format!("({})", prefix_range("+s.name", prefix, params)))
                }
                Probe::Index { .. } => None,
            })
            .collect();
        if !ranges.is_empty() {
            sql.push_str(&format!(" AND ({})", ranges.join(" OR ")));
        }
    }
    if !q.include_planned_deletion {
        sql.push_str(" AND s.deleted IS NULL");
    }
    sql
}

/// The index that serves a sort order.
fn sort_index(by: SortBy) -> &'static str {
    match by {
        SortBy::CreatedDate => " INDEXED BY secrets_by_created",
        SortBy::LastChangedDate => " INDEXED BY secrets_by_changed",
        SortBy::LastAccessedDate => " INDEXED BY secrets_by_accessed",
        // The UNIQUE (account, region, name) index; `name_hull` makes
        // SQLite take it.
        SortBy::Name => "",
    }
}

/// The rows to check start after `after`: the condition, or `None` if the
/// cursor was made for another sort.
fn after_clause(sort: Sort, after: Option<&Cursor>, params: &mut Vec<Value>) -> Option<String> {
    let Some(cursor) = after else {
        return Some(String::new());
    };
    let op = if sort.descending { "<" } else { ">" };
    match (sort.by, &cursor.key) {
        (SortBy::Name, SortKey::Name(_)) => {
            params.push(Value::Text(cursor.name.clone()));
            Some(format!(" AND s.name {op} ?"))
        }
        (SortBy::Name, SortKey::Time(_)) | (_, SortKey::Name(_)) => None,
        (by, SortKey::Time(t)) => {
            params.extend([
                Value::Integer(*t),
                Value::Integer(*t),
                Value::Text(cursor.name.clone()),
            ]);
            // Not a row value `(key, name) > (?, ?)`: SQLite does not seek
            // with one on an expression (LastAccessedDate's), only filter.
            let key = sort_expr(by);
            Some(format!(
                " AND {key} {op}= ? AND ({key} {op} ? OR s.name {op} ?)"
            ))
        }
    }
}

/// For a name-sorted walk: the range of names a positive `name` filter
/// allows, so the walk starts there instead of at the first name.
fn name_hull(filters: &[Filter], params: &mut Vec<Value>) -> String {
    let prefixes = filters
        .iter()
        .filter(|f| f.key == FilterKey::Name)
        .find_map(probes)
        .map(|probes| {
            probes
                .into_iter()
                .filter_map(|p| match p {
                    Probe::NamePrefix(prefix) => Some(prefix),
                    Probe::Index { .. } => None,
                })
                .collect::<Vec<_>>()
        });
    let Some(prefixes) = prefixes else {
        return String::new();
    };
    let (Some(low), Some(high)) = (prefixes.iter().min(), prefixes.iter().max()) else {
        return String::new();
    };
    params.push(Value::Text(low.clone()));
    match prefixes
        .iter()
        .map(|p| prefix_end(p))
        .collect::<Option<Vec<_>>>()
    {
        Some(ends) => {
            let end = ends.into_iter().max().unwrap_or_else(|| high.clone());
            params.push(Value::Text(end));
            " AND s.name >= ? AND s.name < ?".to_owned()
        }
        None => " AND s.name >= ?".to_owned(),
    }
}

const COLUMNS: &str = "s.pk, s.name, s.description, s.deleted IS NOT NULL, s.tagged";

/// What a candidate is checked against.
struct Check<'q> {
    /// Filters that do not look at tags, then those that do.
    independent: Vec<Filter>,
    dependent: Vec<Filter>,
    /// No value of `dependent` starts with `!`.
    no_negation: bool,
    /// The secrets whose tags could change a `dependent` outcome
    /// (`filter::tag_probes`), when known: others' tags are never read.
    tagged_set: Option<HashSet<i64>>,
    include_planned_deletion: bool,
    region: &'q str,
    sort: Sort,
}

impl Check<'_> {
    /// Whether a secret with these fields (tags not yet read) passes.
    fn passes(
        &self,
        tx: &SqliteTx<'_>,
        pk: i64,
        tagged: bool,
        fields: &Searchable<'_>,
    ) -> Result<bool, StoreError> {
        if !fields_match_all(fields, &self.independent) {
            return Ok(false);
        }
        if self.dependent.is_empty() {
            return Ok(true);
        }
        let tags_matter = tagged && self.tagged_set.as_ref().is_none_or(|s| s.contains(&pk));
        // Tags can only add matches to filters without `!`, so they are
        // read only when the rest does not match.
        if (self.no_negation || !tags_matter) && fields_match_all(fields, &self.dependent) {
            return Ok(true);
        }
        if !tags_matter {
            return Ok(false);
        }
        let tags: Vec<Tag> = tx.tags_of(pk)?;
        Ok(fields_match_all(
            &Searchable {
                tags: &tags,
                ..*fields
            },
            &self.dependent,
        ))
    }
}

/// Reads candidate rows in listing order into `out`, keeps those that pass,
/// and stops after `limit` in all (plus one more, to know whether the
/// listing goes on).
fn collect(
    tx: &SqliteTx<'_>,
    sql: &str,
    params: Vec<Value>,
    check: &Check<'_>,
    limit: usize,
    out: &mut Collected,
) -> Result<(), StoreError> {
    let err = db_err("listing secrets");
    let mut stmt = tx.conn.prepare_cached(sql).map_err(&err)?;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params))
        .map_err(&err)?;
    while let Some(row) = rows.next().map_err(&err)? {
        let pk: i64 = row.get(0).map_err(&err)?;
        let name: String = row.get(1).map_err(&err)?;
        let description: Option<String> = row.get(2).map_err(&err)?;
        let deleted: bool = row.get(3).map_err(&err)?;
        let tagged: bool = row.get(4).map_err(&err)?;
        let key = match check.sort.by {
            SortBy::Name => SortKey::Name(name.clone()),
            _ => SortKey::Time(row.get(5).map_err(&err)?),
        };
        out.read += 1;
        let fields = Searchable {
            name: &name,
            description: description.as_deref(),
            region: check.region,
            tags: &[],
        };
        let passes = (check.include_planned_deletion || !deleted)
            && check.passes(tx, pk, tagged, &fields)?;
        let cursor = Cursor { key, name };
        if passes {
            if out.pks.len() == limit {
                out.more = true;
                break;
            }
            out.pks.push(pk);
            out.last_kept = Some(cursor.clone());
        }
        out.last_read = Some(cursor);
    }
    Ok(())
}

#[derive(Default)]
struct Collected {
    pks: Vec<i64>,
    /// A row past the page passed.
    more: bool,
    read: usize,
    last_kept: Option<Cursor>,
    last_read: Option<Cursor>,
}

/// How a page's candidates are found.
enum Plan {
    /// Look up what these probes find, and sort it.
    LookUp(Vec<Probe>),
    /// Walk the sort index from the cursor, ruling out in SQL what these
    /// probes (if any) do not find.
    Walk(Option<Vec<Probe>>),
}

/// The SQL (and its parameters) that reads at most `max_rows` of a page's
/// candidates in listing order. `None` if the cursor was made for another
/// sort.
fn statement(
    q: &SecretQuery<'_>,
    filters: &[Filter],
    plan: &Plan,
    max_rows: usize,
) -> Option<(String, Vec<Value>)> {
    let mut params = Vec::new();
    let key = sort_expr(q.sort.by);
    let order = order_by(q.sort);
    let union = |probes: &[Probe], params: &mut Vec<Value>| {
        probes
            .iter()
            .map(|p| probe_select(q, p, params))
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    };
    let sql = match plan {
        Plan::LookUp(probes) => {
            let union = union(probes, &mut params);
            params.push(Value::Text(q.account.to_owned()));
            params.push(Value::Text(q.region.to_owned()));
            let after = after_clause(q.sort, q.after, &mut params)?;
            params.push(Value::Integer(
                i64::try_from(max_rows.max(1)).unwrap_or(i64::MAX),
            ));
            let live = match q.include_planned_deletion {
                true => "",
                false => " AND s.deleted IS NULL",
            };
            // NOT INDEXED: look the candidates up by primary key and sort
            // them, rather than walk a sort index and probe the set.
            format!(
                "SELECT {COLUMNS}, {key} FROM secrets s NOT INDEXED \
                 WHERE s.pk IN ({union}) AND s.account = ? AND s.region = ?{live}{after} \
                 ORDER BY {order} LIMIT ?"
            )
        }
        Plan::Walk(joined) => {
            params.push(Value::Text(q.account.to_owned()));
            params.push(Value::Text(q.region.to_owned()));
            let hull = match q.sort.by {
                SortBy::Name => name_hull(filters, &mut params),
                _ => String::new(),
            };
            let after = after_clause(q.sort, q.after, &mut params)?;
            let checks = walk_conditions(q, filters, &mut params);
            // The `+` keeps SQLite walking the sort index: the set is
            // checked against each row's primary key, which the index holds.
            let joined = match joined {
                Some(probes) => format!(" AND +s.pk IN ({})", union(probes, &mut params)),
                None => String::new(),
            };
            params.push(Value::Integer(
                i64::try_from(max_rows.max(1)).unwrap_or(i64::MAX),
            ));
            format!(
                "SELECT {COLUMNS}, {key} FROM secrets s{index} \
                 WHERE s.account = ? AND s.region = ?{hull}{after}{checks}{joined} \
                 ORDER BY {order} LIMIT ?",
                index = sort_index(q.sort.by),
            )
        }
    };
    Some((sql, params))
}

/// The primary keys the probes find, if they find at most `max` index
/// entries.
fn pks_found(
    tx: &SqliteTx<'_>,
    q: &SecretQuery<'_>,
    probes: &[Probe],
    max: usize,
) -> Result<Option<HashSet<i64>>, StoreError> {
    let mut n = 0;
    for probe in probes {
        n += count(tx, q, probe, max + 1 - n)?;
        if n > max {
            return Ok(None);
        }
    }
    let err = db_err("reading listing candidates");
    let mut pks = HashSet::with_capacity(n);
    for probe in probes {
        let mut params = Vec::new();
        let select = probe_select(q, probe, &mut params);
        let mut stmt = tx.conn.prepare_cached(&select).map_err(&err)?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params))
            .map_err(&err)?;
        while let Some(row) = rows.next().map_err(&err)? {
            pks.insert(row.get(0).map_err(&err)?);
        }
    }
    Ok(Some(pks))
}

pub(super) fn page(tx: &SqliteTx<'_>, q: &SecretQuery<'_>) -> Result<SecretPage, StoreError> {
    let empty = SecretPage {
        secrets: Vec::new(),
        next: None,
    };
    let limit = q.limit.max(1);
    let mut filters = Vec::with_capacity(q.filters.len());
    for filter in q.filters {
        match region_outcome(filter, q.region) {
            Some(false) => return Ok(empty),
            Some(true) => {}
            None => filters.push(filter.clone()),
        }
    }
    let (candidates, plan) = match narrowest(tx, q, &filters)? {
        Some((_, probes)) if probes.is_empty() => return Ok(empty),
        Some((n, probes)) if n <= tx.listing.max_candidates => (n, Plan::LookUp(probes)),
        Some((_, probes)) => (0, Plan::Walk(Some(probes))),
        None => (0, Plan::Walk(None)),
    };
    let walked = matches!(plan, Plan::Walk(_));
    let (independent, dependent): (Vec<Filter>, Vec<Filter>) =
        filters.iter().cloned().partition(|f| !reads_tags(f));
    let tag_probes: Vec<Probe> = dependent.iter().flat_map(tag_probes).collect();
    let tagged_set = match dependent.is_empty() {
        true => None,
        false => pks_found(tx, q, &tag_probes, tx.listing.max_joined)?,
    };
    let check = Check {
        no_negation: dependent
            .iter()
            .all(|f| f.values.iter().all(|v| !v.starts_with('!'))),
        independent,
        dependent,
        tagged_set,
        include_planned_deletion: q.include_planned_deletion,
        region: q.region,
        sort: q.sort,
    };
    // Among many candidates, the look-up first asks SQLite for the best few
    // (a top-k sort), and for all the rest only if checking rejected too
    // many of those.
    let max_scanned = tx.listing.max_scanned.max(1);
    let few = 4 * (limit + 1);
    let mut max_rows = match walked {
        true => max_scanned,
        false if candidates > 4 * few => few,
        false => usize::MAX / 2,
    };
    let mut found = Collected::default();
    let mut after = q.after.cloned();
    let read_last = loop {
        let chunk = SecretQuery {
            after: after.as_ref(),
            ..*q
        };
        let Some((sql, params)) = statement(&chunk, &filters, &plan, max_rows) else {
            return Ok(empty);
        };
        let read_before = found.read;
        collect(tx, &sql, params, &check, limit, &mut found)?;
        let read = found.read - read_before;
        if found.more || walked || read < max_rows {
            break read;
        }
        after = found.last_read.clone();
        max_rows = usize::MAX / 2;
    };
    let next = if found.more {
        found.last_kept
    } else if walked && read_last >= max_scanned {
        // Out of rows to read for this page, not out of rows.
        found.last_read
    } else {
        None
    };
    let mut secrets = Vec::with_capacity(found.pks.len());
    for pk in found.pks {
        // Same snapshot: the row is there.
        secrets.extend(tx.secret_by_pk(pk)?);
    }
    Ok(SecretPage { secrets, next })
}

/// SQLite's plan for the listing statement of `sort` after `after`, with
/// `filters` driving it if they can (as if their ranges were small).
#[cfg(test)]
pub(super) fn plan_for_tests(
    conn: &rusqlite::Connection,
    sort: Sort,
    after: Option<&Cursor>,
    filters: &[Filter],
) -> String {
    let q = SecretQuery {
        account: "123456789012",
        region: "us-east-1",
        filters,
        include_planned_deletion: false,
        sort,
        after,
        limit: 10,
    };
    let plan = match filters.iter().find_map(probes) {
        Some(probes) => Plan::LookUp(probes),
        None => Plan::Walk(None),
    };
    explain(conn, &q, &plan)
}

/// SQLite's plan for the sort-driven walk of `sort` with `filters`.
#[cfg(test)]
pub(super) fn walk_plan_for_tests(
    conn: &rusqlite::Connection,
    sort: Sort,
    filters: &[Filter],
) -> String {
    let q = SecretQuery {
        account: "123456789012",
        region: "us-east-1",
        filters,
        include_planned_deletion: false,
        sort,
        after: None,
        limit: 10,
    };
    let joined = filters.iter().find_map(probes);
    explain(conn, &q, &Plan::Walk(joined))
}

#[cfg(test)]
fn explain(conn: &rusqlite::Connection, q: &SecretQuery<'_>, plan: &Plan) -> String {
    let (sql, params) = statement(q, q.filters, plan, 10).expect("statement");
    let mut stmt = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .expect("explain");
    let details: Vec<String> = stmt
        .query_map(rusqlite::params_from_iter(params), |r| r.get(3))
        .expect("plan")
        .collect::<Result<_, _>>()
        .expect("plan rows");
    details.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ends() {
        assert_eq!(prefix_end("ab").as_deref(), Some("ac"));
        assert_eq!(prefix_end(""), None);
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end("\u{D7FF}").as_deref(), Some("\u{E000}"));
        assert_eq!(prefix_end("\u{10FFFF}"), None);
    }
}
