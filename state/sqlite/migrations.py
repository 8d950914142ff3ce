"""Schema versions, in order: frozen steps that never call the app's live helpers, so an
old file upgrades the same way however the code around them changes.

PRAGMA user_version says how many have been applied.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from fractions import Fraction
from typing import Callable

SCHEMA_V1 = """
    CREATE TABLE conversations (
        key TEXT PRIMARY KEY,
        reference TEXT NOT NULL,
        updated_at REAL NOT NULL,
        reachable INTEGER NOT NULL DEFAULT 1,
        unreachable_since REAL
    );
    CREATE TABLE watches (
        product_id TEXT NOT NULL,
        id INTEGER NOT NULL,
        conversation_key TEXT NOT NULL,
        user_id TEXT NOT NULL,
        product_name TEXT NOT NULL,
        currency TEXT NOT NULL,
        kind TEXT NOT NULL,
        threshold_percent TEXT,
        start_price TEXT NOT NULL,
        trigger_price TEXT NOT NULL,
        armed INTEGER NOT NULL,
        last_price TEXT,
        unconfirmed_price TEXT,
        crossings INTEGER NOT NULL DEFAULT 0,
        paused INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        -- Clustered by product: a poll reads and writes one product's watches together.
        PRIMARY KEY (product_id, id)
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX watches_by_id ON watches (id);
    CREATE INDEX watches_by_conversation ON watches (conversation_key);
    CREATE INDEX watches_by_user ON watches (user_id);
    CREATE INDEX watches_awaiting_confirmation ON watches (product_id)
        WHERE unconfirmed_price IS NOT NULL;
    CREATE TABLE counters (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    );
    -- Watch ids are never reused: alert keys name them.
    INSERT INTO counters (name, value) VALUES ('watches', 0);
    CREATE TABLE products (
        id TEXT PRIMARY KEY,
        null_streak INTEGER NOT NULL DEFAULT 0,
        unavailable INTEGER NOT NULL DEFAULT 0,
        outages INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        dedupe_key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL DEFAULT 'drop',
        conversation_key TEXT NOT NULL,
        watch_id INTEGER NOT NULL,
        product_id TEXT NOT NULL,
        product_name TEXT NOT NULL,
        currency TEXT NOT NULL,
        old_price TEXT,
        new_price TEXT,
        seen_at REAL NOT NULL,
        status TEXT NOT NULL,
        next_attempt_at REAL NOT NULL,
        claimed_until REAL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_attempt_at REAL,
        last_error TEXT,
        held_at REAL,
        sent_at REAL
    );
    CREATE INDEX alerts_due ON alerts (status, next_attempt_at);
    -- Every delivery attempt, whatever became of it: the alert row keeps only the last.
    CREATE TABLE alert_attempts (
        alert_id INTEGER NOT NULL,
        at REAL NOT NULL,
        status TEXT NOT NULL,
        error TEXT
    );
    CREATE INDEX alert_attempts_by_alert ON alert_attempts (alert_id);
    CREATE TRIGGER alert_attempt_logged AFTER UPDATE OF attempts ON alerts
    WHEN NEW.attempts > OLD.attempts
    BEGIN
        INSERT INTO alert_attempts (alert_id, at, status, error)
        VALUES (NEW.id, NEW.last_attempt_at, NEW.status, NEW.last_error);
    END;
    CREATE INDEX alerts_by_conversation ON alerts (conversation_key, status);
    CREATE TABLE bot_state (
        key TEXT PRIMARY KEY,
        etag INTEGER NOT NULL,
        value BLOB NOT NULL
    );
    """


def _schema_v2(db: sqlite3.Connection) -> None:
    """Each trigger in whole cents as an integer, and last prices as one text per value,
    so a poll can apply a price move to many watches in one statement; and what the
    poller remembers, so a restart does not evaluate every watch again."""
    db.execute("ALTER TABLE products ADD COLUMN evaluated_price TEXT")
    db.execute("INSERT INTO counters (name, value) VALUES ('evaluated_up_to_watch', 0)")
    db.execute("ALTER TABLE watches ADD COLUMN trigger_cents INTEGER")
    db.executemany(
        "UPDATE watches SET trigger_cents = ?, last_price = ? WHERE id = ?",
        [
            (_v2_trigger_cents(Decimal(trigger)), _v2_price_text(last), watch_id)
            for watch_id, trigger, last in db.execute(
                "SELECT id, trigger_price, last_price FROM watches"
            )
        ],
    )


def _v2_trigger_cents(amount: Decimal) -> int | None:
    """Frozen copy of version 2's `comparable_cents`: whole cents under 10**15, else None."""
    if not amount.is_finite() or not 0 <= amount < Decimal(10**13):
        return None
    if amount.as_tuple().exponent < -40:
        return None
    cents = Fraction(amount) * 100
    return int(cents) if cents.denominator == 1 else None


def _v2_price_text(last: str | None) -> str | None:
    """Frozen copy of version 2's canonical price text."""
    if last is None:
        return None
    written = format(Decimal(last), "f")
    return written.rstrip("0").rstrip(".") if "." in written else written


SCHEMA_V3 = """
    -- What each alert's last failed attempt meant, so failures count per alert
    -- ("unreachable twice" means twice in a row for that alert).
    ALTER TABLE alerts ADD COLUMN last_failure_kind TEXT;
    """


SCHEMA_V4 = """
    -- Finished alerts by age, for the retention job.
    CREATE INDEX alerts_finished ON alerts (last_attempt_at) WHERE status IN ('sent', 'failed');
    """


SCHEMA_V5 = """
    -- Every price change a poll saw (changes only; price NULL = unavailable from then on),
    -- clustered by product and time: a chart reads one product's stretch of it.
    CREATE TABLE price_history (
        product_id TEXT NOT NULL,
        at REAL NOT NULL,
        price TEXT,
        PRIMARY KEY (product_id, at)
    ) WITHOUT ROWID;
    -- Each product's price as the polls last evaluated it: its first point.
    INSERT INTO price_history (product_id, at, price)
        SELECT id, (julianday('now') - 2440587.5) * 86400.0, evaluated_price
        FROM products WHERE evaluated_price IS NOT NULL;
    -- Rendered history charts, served at /api/charts/{token}.png until they expire.
    CREATE TABLE charts (
        token TEXT PRIMARY KEY,
        product_id TEXT NOT NULL,
        version TEXT NOT NULL,
        png BLOB NOT NULL,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        UNIQUE (product_id, version)
    );
    CREATE INDEX charts_by_expiry ON charts (expires_at);
    """


SCHEMA_V6 = """
    -- Sleep (pause, snooze) and price protection. sleep_crossings: the crossing count
    -- when the watch fell asleep; crossed_from: the price before its latest crossing.
    ALTER TABLE watches ADD COLUMN paused_by_user INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE watches ADD COLUMN snoozed_until REAL;
    ALTER TABLE watches ADD COLUMN sleep_crossings INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE watches ADD COLUMN expires_at REAL;
    ALTER TABLE watches ADD COLUMN crossed_from TEXT;
    -- A price protection alert says until when the protection runs.
    ALTER TABLE alerts ADD COLUMN protected_until REAL;
    -- The poll's "wake the watches whose snooze ran out" step, and retention's expiry.
    CREATE INDEX watches_snoozed ON watches (snoozed_until) WHERE snoozed_until IS NOT NULL;
    CREATE INDEX watches_expiring ON watches (expires_at) WHERE expires_at IS NOT NULL;
    """


SCHEMA_V7 = """
    -- Quiet hours (QUIET): when an alert held for the user's quiet hours may go, so the
    -- message that delivers it can be a digest and "why" can tell.
    ALTER TABLE alerts ADD COLUMN quiet_until REAL;
    -- A watch's recent alerts, for "why".
    CREATE INDEX alerts_by_watch ON alerts (watch_id, id);
    """


SCHEMA_V8 = """
    -- One owner for a watch's state: every write bumps its version, and a write made from
    -- an earlier read names the version it read (compare-and-set), so it never undoes a
    -- change made since.
    ALTER TABLE watches ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
    -- What happened to each watch, recorded when it happened, for "why" (bounded per
    -- watch and pruned by the retention job).
    CREATE TABLE watch_events (
        id INTEGER PRIMARY KEY,
        watch_id INTEGER NOT NULL,
        at REAL NOT NULL,
        kind TEXT NOT NULL,
        price TEXT,
        trigger_price TEXT,
        alert_id INTEGER,
        detail TEXT
    );
    CREATE INDEX watch_events_by_watch ON watch_events (watch_id, id);
    CREATE INDEX watch_events_by_time ON watch_events (at);
    """


SCHEMA_V9 = """
    -- Attempts numbered by an id column, as on PostgreSQL, so one query reads them in
    -- order on both (state/sql/outbox.py): the table again, its rowids kept as the ids.
    -- The trigger that writes it goes first and comes back (a rename checks triggers).
    DROP TRIGGER alert_attempt_logged;
    CREATE TABLE alert_attempts_v9 (
        id INTEGER PRIMARY KEY,
        alert_id INTEGER NOT NULL,
        at REAL NOT NULL,
        status TEXT NOT NULL,
        error TEXT
    );
    INSERT INTO alert_attempts_v9 (id, alert_id, at, status, error)
        SELECT rowid, alert_id, at, status, error FROM alert_attempts;
    DROP TABLE alert_attempts;
    ALTER TABLE alert_attempts_v9 RENAME TO alert_attempts;
    CREATE INDEX alert_attempts_by_alert ON alert_attempts (alert_id);
    CREATE TRIGGER alert_attempt_logged AFTER UPDATE OF attempts ON alerts
    WHEN NEW.attempts > OLD.attempts
    BEGIN
        INSERT INTO alert_attempts (alert_id, at, status, error)
        VALUES (NEW.id, NEW.last_attempt_at, NEW.status, NEW.last_error);
    END;
    """


SCHEMA_V10 = """
    -- Who made a watch, by name, for group conversations: an alert there names its
    -- owner (user_id, already kept, says who); NULL for watches made before.
    ALTER TABLE watches ADD COLUMN owner_name TEXT;
    """


SCHEMA_V11 = """
    -- Shop pages watched as products (shops/pages.py): where, which offer, the last
    -- reading and its validators for a conditional GET, when to fetch next, and how long
    -- the page has been failing.
    CREATE TABLE shop_pages (
        product_id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        sku TEXT,
        name TEXT NOT NULL,
        currency TEXT NOT NULL,
        host TEXT NOT NULL,
        price TEXT,
        has_reading INTEGER NOT NULL DEFAULT 0,
        etag TEXT,
        last_modified TEXT,
        next_fetch_at REAL NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,
        failing_since REAL,
        failure TEXT,
        failure_told INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL
    );
    CREATE INDEX shop_pages_due ON shop_pages (next_fetch_at);
    """


SCHEMA_V12 = """
    -- Cards that change in place. A watch's user_version counts its owner's changes (a
    -- poll never bumps it): an alert card's buttons carry it, and a press on a card made
    -- before the owner's last change is out of date. An alert keeps the id the channel
    -- gave the message it went in (all the alerts of one message share it), so a pressed
    -- card can be replaced (update_activity), and what its button did (card_done).
    ALTER TABLE watches ADD COLUMN user_version INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE alerts ADD COLUMN activity_id TEXT;
    ALTER TABLE alerts ADD COLUMN card_done TEXT;
    """

SCHEMA_V13 = """
    -- A watch stopped because its owner or the bot left the conversation (uninstalled,
    -- removed, not in the roster any more): when, and who left. Kept for the retention
    -- job to delete after ALERT_RETENTION_DAYS, unless resumed.
    ALTER TABLE watches ADD COLUMN left_at REAL;
    ALTER TABLE watches ADD COLUMN left_why TEXT;
    CREATE INDEX watches_left ON watches (left_at) WHERE left_at IS NOT NULL;
    """

SCHEMA_V14 = """
    -- A poll records an event for each watch a move fires or re-arms, so each index of
    -- watch_events is written a thousand times by a 1% drop. The index by time served
    -- only the hourly prune, which scans the table by watch anyway (to keep each watch's
    -- newest 50), so it goes: the prune finds old events on that scan.
    DROP INDEX watch_events_by_time;
    """

SCHEMA_V15 = """
    -- The trigger an alert's crossing was judged against, kept with the alert: the alert
    -- is the record of the crossing that `why` tells, so a drop no longer writes a
    -- "fired" event beside each of its thousand alerts.
    ALTER TABLE alerts ADD COLUMN trigger_price TEXT;
    """

SCHEMA_V16 = """
    -- An alert's key is unique per watch, as on PostgreSQL (its migration 12): the
    -- conflict the poll's inserts name, in the index that finds a watch's alerts.
    DROP INDEX alerts_by_watch;
    CREATE UNIQUE INDEX alerts_by_watch ON alerts (watch_id, dedupe_key);
    """


MIGRATIONS: tuple[str | Callable[[sqlite3.Connection], None], ...] = (
    SCHEMA_V1,
    _schema_v2,
    SCHEMA_V3,
    SCHEMA_V4,
    SCHEMA_V5,
    SCHEMA_V6,
    SCHEMA_V7,
    SCHEMA_V8,
    SCHEMA_V9,
    SCHEMA_V10,
    SCHEMA_V11,
    SCHEMA_V12,
    SCHEMA_V13,
    SCHEMA_V14,
    SCHEMA_V15,
    SCHEMA_V16,
)
"""Schema versions in order, as SQL or as a step run in a transaction."""
