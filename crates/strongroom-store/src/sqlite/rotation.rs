//! A secret's rotation configuration and run (`secret_rotations`, schema
//! V6): one row per secret that RotateSecret configured.

use super::db_err;
use crate::StoreError;
use rusqlite::{Connection, OptionalExtension, params};
use strongroom_domain::{Rotation, RotationRules, RotationRun, Timestamp};

const COLUMNS: &str = "enabled, lambda_arn, after_days, schedule, duration, last_rotated, \
     next_rotation, run_token, run_rotation_token, run_test_only, run_attempts, run_not_before, \
     run_claimed_until";

type Row = (
    bool,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<bool>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// The rotation of the secret `pk`, if it has one.
pub(super) fn load(conn: &Connection, pk: i64) -> Result<Option<Rotation>, StoreError> {
    let err = db_err("loading a rotation");
    let row: Option<Row> = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM secret_rotations WHERE secret_pk = ?1"
        ))
        .map_err(&err)?
        .query_row([pk], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
                r.get(11)?,
                r.get(12)?,
            ))
        })
        .optional()
        .map_err(&err)?;
    let Some((
        enabled,
        lambda_arn,
        days,
        schedule,
        duration,
        last,
        next,
        token,
        rtoken,
        test_only,
        attempts,
        not_before,
        claimed,
    )) = row
    else {
        return Ok(None);
    };
    let rules = match (days, &schedule) {
        (None, None) => None,
        _ => Some(
            RotationRules::new(days, schedule, duration)
                .map_err(|_| StoreError::Corrupt("stored rotation rules do not parse"))?,
        ),
    };
    let run = match (token, rtoken) {
        (Some(token), Some(rotation_token)) => Some(RotationRun {
            token,
            rotation_token,
            test_only: test_only.unwrap_or(false),
            attempts: attempts.and_then(|a| u32::try_from(a).ok()).unwrap_or(0),
            not_before: Timestamp(not_before.unwrap_or(0)),
            claimed_until: claimed.map(Timestamp),
        }),
        _ => None,
    };
    Ok(Some(Rotation {
        enabled,
        lambda_arn,
        rules,
        last_rotated: last.map(Timestamp),
        next_rotation: next.map(Timestamp),
        run,
    }))
}

/// Writes (or, for `None`, removes) the rotation of the secret `arn`.
pub(super) fn save(
    conn: &Connection,
    arn: &str,
    rotation: Option<&Rotation>,
) -> Result<(), StoreError> {
    let err = db_err("saving a rotation");
    let Some(r) = rotation else {
        conn.prepare_cached(
            "DELETE FROM secret_rotations WHERE secret_pk = (SELECT pk FROM secrets WHERE arn = ?1)",
        )
        .map_err(&err)?
        .execute([arn])
        .map_err(&err)?;
        return Ok(());
    };
    let rules = r.rules.as_ref();
    let run = r.run.as_ref();
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO secret_rotations (secret_pk, {COLUMNS}) \
         SELECT pk, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14 FROM secrets WHERE arn = ?1"
    ))
    .map_err(&err)?
    .execute(params![
        arn,
        r.enabled,
        r.lambda_arn,
        rules.and_then(|x| x.automatically_after_days),
        rules.and_then(|x| x.schedule_expression.clone()),
        rules.and_then(|x| x.duration.clone()),
        r.last_rotated.map(|t| t.0),
        r.next_rotation.map(|t| t.0),
        run.map(|x| x.token.clone()),
        run.map(|x| x.rotation_token.clone()),
        run.map(|x| x.test_only),
        run.map(|x| i64::from(x.attempts)),
        run.map(|x| x.not_before.0),
        run.and_then(|x| x.claimed_until).map(|t| t.0),
    ])
    .map_err(&err)?;
    Ok(())
}

/// ARNs of secrets (not scheduled for deletion) with a run that may be
/// claimed at `now`, or a scheduled rotation whose window has opened.
pub(super) fn due(
    conn: &Connection,
    now: Timestamp,
    limit: usize,
) -> Result<Vec<String>, StoreError> {
    let err = db_err("finding due rotations");
    conn.prepare_cached(
        "SELECT s.arn FROM secret_rotations r JOIN secrets s ON s.pk = r.secret_pk \
         WHERE s.deleted IS NULL AND ( \
           (r.run_token IS NOT NULL AND r.run_not_before <= ?1 \
             AND (r.run_claimed_until IS NULL OR r.run_claimed_until <= ?1)) \
           OR (r.enabled = 1 AND r.run_token IS NULL AND r.next_rotation <= ?1)) \
         ORDER BY COALESCE(r.run_not_before, r.next_rotation) LIMIT ?2",
    )
    .map_err(&err)?
    .query_map(params![now.0, limit as i64], |r| r.get(0))
    .map_err(&err)?
    .collect::<Result<_, _>>()
    .map_err(&err)
}
