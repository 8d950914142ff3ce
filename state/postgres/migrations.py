"""Schema versions for PostgreSQL, in order: frozen SQL, applied under an advisory lock so
that instances starting at once apply each step exactly once."""

from __future__ import annotations

from typing import Final

SCHEMA_V1: Final = """
    CREATE TABLE conversations (
        key TEXT PRIMARY KEY,
        reference TEXT NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        reachable INTEGER NOT NULL DEFAULT 1,
        unreachable_since TIMESTAMPTZ
    );
    -- Watch ids are never reused: alert keys name them.
    CREATE SEQUENCE watch_ids;
    CREATE TABLE watches (
        id BIGINT PRIMARY KEY DEFAULT nextval('watch_ids'),
        product_id TEXT NOT NULL,
        conversation_key TEXT NOT NULL,
        user_id TEXT NOT NULL,
        product_name TEXT NOT NULL,
        currency TEXT NOT NULL,
        kind TEXT NOT NULL,
        threshold_percent TEXT,
        start_price TEXT NOT NULL,
        trigger_price TEXT NOT NULL,
        trigger_cents BIGINT,
        armed INTEGER NOT NULL,
        last_price TEXT,
        unconfirmed_price TEXT,
        crossings INTEGER NOT NULL DEFAULT 0,
        paused INTEGER NOT NULL DEFAULT 0,
        created_at TIMESTAMPTZ NOT NULL
    -- Room on each page, so a poll's state updates stay on their page (HOT: no index
    -- entry is rewritten; no indexed column changes).
    ) WITH (fillfactor = 70);
    CREATE INDEX watches_by_product ON watches (product_id, id);
    CREATE INDEX watches_by_conversation ON watches (conversation_key);
    CREATE INDEX watches_by_user ON watches (user_id);
    CREATE INDEX watches_awaiting_confirmation ON watches (product_id)
        WHERE unconfirmed_price IS NOT NULL;
    CREATE TABLE counters (
        name TEXT PRIMARY KEY,
        value BIGINT NOT NULL
    );
    INSERT INTO counters (name, value) VALUES ('evaluated_up_to_watch', 0);
    CREATE TABLE products (
        id TEXT PRIMARY KEY,
        null_streak INTEGER NOT NULL DEFAULT 0,
        unavailable INTEGER NOT NULL DEFAULT 0,
        outages INTEGER NOT NULL DEFAULT 0,
        evaluated_price TEXT
    );
    CREATE TABLE alerts (
        id BIGSERIAL PRIMARY KEY,
        dedupe_key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL DEFAULT 'drop',
        conversation_key TEXT NOT NULL,
        watch_id BIGINT NOT NULL,
        product_id TEXT NOT NULL,
        product_name TEXT NOT NULL,
        currency TEXT NOT NULL,
        old_price TEXT,
        new_price TEXT,
        seen_at TIMESTAMPTZ NOT NULL,
        status TEXT NOT NULL,
        next_attempt_at TIMESTAMPTZ NOT NULL,
        claimed_until TIMESTAMPTZ,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_attempt_at TIMESTAMPTZ,
        last_error TEXT,
        last_failure_kind TEXT,
        held_at TIMESTAMPTZ,
        sent_at TIMESTAMPTZ
    );
    CREATE INDEX alerts_open_due ON alerts (next_attempt_at, id)
        WHERE status IN ('pending', 'held');
    CREATE INDEX alerts_by_conversation ON alerts (conversation_key, status);
    CREATE INDEX alerts_finished ON alerts (last_attempt_at)
        WHERE status IN ('sent', 'failed');
    -- Every delivery attempt, whatever became of it: the alert row keeps only the last.
    CREATE TABLE alert_attempts (
        id BIGSERIAL PRIMARY KEY,
        alert_id BIGINT NOT NULL,
        at TIMESTAMPTZ NOT NULL,
        status TEXT NOT NULL,
        error TEXT
    );
    CREATE INDEX alert_attempts_by_alert ON alert_attempts (alert_id);
    CREATE FUNCTION log_alert_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO alert_attempts (alert_id, at, status, error)
        VALUES (NEW.id, NEW.last_attempt_at, NEW.status, NEW.last_error);
        RETURN NULL;
    END $$;
    CREATE TRIGGER alert_attempt_logged AFTER UPDATE OF attempts ON alerts
        FOR EACH ROW WHEN (NEW.attempts > OLD.attempts) EXECUTE FUNCTION log_alert_attempt();
    -- Never reuse an etag, even after a delete: an old holder must not match.
    CREATE SEQUENCE bot_state_etags;
    CREATE TABLE bot_state (
        key TEXT PRIMARY KEY,
        etag BIGINT NOT NULL,
        value BYTEA NOT NULL
    );
    -- One turn at a time per conversation, across instances: a lease row per turn.
    CREATE TABLE turn_locks (
        conversation_key TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        until TIMESTAMPTZ NOT NULL
    );
    -- Jobs one instance of the fleet runs at a time (the poll), by lease.
    CREATE TABLE job_leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        until TIMESTAMPTZ NOT NULL
    );
    """

SCHEMA_V2: Final = """
    -- Every price change a poll saw (changes only; price NULL = unavailable from then on).
    CREATE TABLE price_history (
        product_id TEXT NOT NULL,
        at TIMESTAMPTZ NOT NULL,
        price TEXT,
        PRIMARY KEY (product_id, at)
    );
    -- Each product's price as the polls last evaluated it: its first point.
    INSERT INTO price_history (product_id, at, price)
        SELECT id, now(), evaluated_price FROM products WHERE evaluated_price IS NOT NULL;
    -- Rendered history charts, served at /api/charts/{token}.png by any instance.
    CREATE TABLE charts (
        token TEXT PRIMARY KEY,
        product_id TEXT NOT NULL,
        version TEXT NOT NULL,
        png BYTEA NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL,
        UNIQUE (product_id, version)
    );
    CREATE INDEX charts_by_expiry ON charts (expires_at);
    """

SCHEMA_V3: Final = """
    -- Sleep (pause, snooze) and price protection. sleep_crossings: the crossing count
    -- when the watch fell asleep; crossed_from: the price before its latest crossing.
    ALTER TABLE watches ADD COLUMN paused_by_user INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE watches ADD COLUMN snoozed_until TIMESTAMPTZ;
    ALTER TABLE watches ADD COLUMN sleep_crossings INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE watches ADD COLUMN expires_at TIMESTAMPTZ;
    ALTER TABLE watches ADD COLUMN crossed_from TEXT;
    -- A price protection alert says until when the protection runs.
    ALTER TABLE alerts ADD COLUMN protected_until TIMESTAMPTZ;
    -- The poll's "wake the watches whose snooze ran out" step, and retention's expiry.
    CREATE INDEX watches_snoozed ON watches (snoozed_until) WHERE snoozed_until IS NOT NULL;
    CREATE INDEX watches_expiring ON watches (expires_at) WHERE expires_at IS NOT NULL;
    """

SCHEMA_V4: Final = """
    -- Quiet hours (QUIET): when an alert held for the user's quiet hours may go, so the
    -- message that delivers it can be a digest and "why" can tell.
    ALTER TABLE alerts ADD COLUMN quiet_until TIMESTAMPTZ;
    -- A watch's recent alerts, for "why".
    CREATE INDEX alerts_by_watch ON alerts (watch_id, id);
    """

SCHEMA_V5: Final = """
    -- One owner for a watch's state: every write bumps its version, and a write made from
    -- an earlier read names the version it read (compare-and-set), so it never undoes a
    -- change made since.
    ALTER TABLE watches ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
    -- What happened to each watch, recorded when it happened, for "why" (bounded per
    -- watch and pruned by the retention job).
    CREATE TABLE watch_events (
        id BIGSERIAL PRIMARY KEY,
        watch_id BIGINT NOT NULL,
        at TIMESTAMPTZ NOT NULL,
        kind TEXT NOT NULL,
        price TEXT,
        trigger_price TEXT,
        alert_id BIGINT,
        detail TEXT
    );
    CREATE INDEX watch_events_by_watch ON watch_events (watch_id, id);
    CREATE INDEX watch_events_by_time ON watch_events (at);
    """

SCHEMA_V6: Final = """
    -- Who made a watch, by name, for group conversations: an alert there names its
    -- owner (user_id, already kept, says who); NULL for watches made before.
    ALTER TABLE watches ADD COLUMN owner_name TEXT;
    """

SCHEMA_V7: Final = """
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
        next_fetch_at TIMESTAMPTZ NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,
        failing_since TIMESTAMPTZ,
        failure TEXT,
        failure_told INTEGER NOT NULL DEFAULT 0,
        created_at TIMESTAMPTZ NOT NULL
    );
    CREATE INDEX shop_pages_due ON shop_pages (next_fetch_at);
    """

SCHEMA_V8: Final = """
    -- Cards that change in place. A watch's user_version counts its owner's changes (a
    -- poll never bumps it): an alert card's buttons carry it, and a press on a card made
    -- before the owner's last change is out of date. An alert keeps the id the channel
    -- gave the message it went in (all the alerts of one message share it), so a pressed
    -- card can be replaced (update_activity), and what its button did (card_done).
    ALTER TABLE watches ADD COLUMN user_version INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE alerts ADD COLUMN activity_id TEXT;
    ALTER TABLE alerts ADD COLUMN card_done TEXT;
    """

SCHEMA_V9: Final = """
    -- A watch stopped because its owner or the bot left the conversation (uninstalled,
    -- removed, not in the roster any more): when, and who left. Kept for the retention
    -- job to delete after ALERT_RETENTION_DAYS, unless resumed.
    ALTER TABLE watches ADD COLUMN left_at TIMESTAMPTZ;
    ALTER TABLE watches ADD COLUMN left_why TEXT;
    CREATE INDEX watches_left ON watches (left_at) WHERE left_at IS NOT NULL;
    -- SQLite's instr(haystack, needle) for bytes, so "forget me" finds the state
    -- documents that hold a person's id with one query on both (state/sql/bot_state.py).
    CREATE OR REPLACE FUNCTION instr(haystack BYTEA, needle BYTEA) RETURNS INTEGER
        LANGUAGE sql IMMUTABLE STRICT AS 'SELECT position(needle IN haystack)';
    """

SCHEMA_V10: Final = """
    -- A poll records an event for each watch a move fires or re-arms, so each index of
    -- watch_events is written a thousand times by a 1% drop. The index by time served
    -- only the hourly prune, which scans the table by watch anyway (to keep each watch's
    -- newest 50), so it goes: the prune finds old events on that scan.
    DROP INDEX watch_events_by_time;
    """

SCHEMA_V11: Final = """
    -- The trigger an alert's crossing was judged against, kept with the alert: the alert
    -- is the record of the crossing that `why` tells, so a drop no longer writes a
    -- "fired" event beside each of its thousand alerts.
    ALTER TABLE alerts ADD COLUMN trigger_price TEXT;
    """

SCHEMA_V12: Final = """
    -- An alert's key is unique per watch: it names one event of one watch
    -- (`domain.alerts.dedupe_key`), and the index that says so also finds a watch's
    -- alerts for "why". The poll's inserts name this index as their conflict from this
    -- version on. The key's own index stays for now, because an instance of an older
    -- version still names it: migration 13 drops it, a release later, and each alert
    -- then writes one index fewer (measured: 7 log records a row become 6).
    DROP INDEX alerts_by_watch;
    CREATE UNIQUE INDEX alerts_by_watch ON alerts (watch_id, dedupe_key);
    """

SCHEMA_V13: Final = """
    -- The contract step of migration 12: no instance names the alert key's own index as
    -- its conflict any more (every release since 12 names alerts_by_watch), so it goes,
    -- and each new alert writes one index fewer (a 1% drop writes a thousand).
    ALTER TABLE alerts DROP CONSTRAINT alerts_dedupe_key_key;
    """

SCHEMA_V14: Final = """
    -- A turn lock lives for one turn: two writes a chat turn (take, give back), each a
    -- log record and a commit that waited for the disk. Unlogged, neither is. After a
    -- crash of the database the table starts empty (so does a standby's): a turn running
    -- then no longer holds its conversation, and the state's e_tag still refuses a second
    -- writer's stale write (state/sql/bot_state.py).
    ALTER TABLE turn_locks SET UNLOGGED;
    """

MIGRATIONS: Final[tuple[str, ...]] = (
    SCHEMA_V1,
    SCHEMA_V2,
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
)
"""Schema versions in order; `schema_version` says how many have been applied."""
