"""Turn locks and job leases across instances: a lease row per conversation whose turn
is running, and per job one instance runs.

A turn inserts its row (or takes over one whose lease ran out) and renews it while it
runs; a dead instance's rows run out within a lease. Within one instance the keyed
in-process lock comes first, so only one of its turns per conversation asks the
database at a time. A job's holder renews its lease while the job runs
(watchers/poll_lead.py), and the job's writes check it in their own transaction
(`assert_lease`). Time is the database's own (now()), the same for every instance.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Final

from state.interfaces import JobLease, LeaseLost
from state.postgres.database import PostgresDatabase
from state.turn_locks import LocalTurnLocks

logger = logging.getLogger(__name__)

LEASE_SECONDS: Final = 5.0
"""No longer than an alert claim's lease (outbox/leases.py): a dead instance's conversations
must be free by the time its claims run out, or their alerts wait for the lock instead."""
RENEW_EVERY_SECONDS: Final = 2.0
RETRY_EVERY_SECONDS: Final = 0.05
"""How often a waiting turn asks again while another instance holds the conversation."""


class PostgresTurnLocks:
    def __init__(
        self,
        database: PostgresDatabase,
        *,
        lease_seconds: float = LEASE_SECONDS,
        renew_every_seconds: float = RENEW_EVERY_SECONDS,
    ) -> None:
        self._db = database
        self._lease_seconds = lease_seconds
        self._renew_every_seconds = renew_every_seconds
        self._local = LocalTurnLocks()
        self._not_given_back: set[tuple[str, str]] = set()
        """Locks whose give-back failed (the database was away): given back at the next
        take, so they do not hold their conversations until their lease runs out."""

    @asynccontextmanager
    async def hold(self, conversation_key: str, wait_seconds: float) -> AsyncIterator[bool]:
        deadline = time.monotonic() + wait_seconds
        async with self._local.hold(conversation_key, wait_seconds) as mine:
            if not mine:
                yield False
                return
            holder = uuid.uuid4().hex
            if not await self._take(conversation_key, holder, deadline):
                yield False
                return
            renewer = asyncio.create_task(self._renew(conversation_key, holder))
            try:
                yield True
            finally:
                renewer.cancel()
                await asyncio.shield(self._give_back(conversation_key, holder))

    async def _take(self, conversation_key: str, holder: str, deadline: float) -> bool:
        await self._give_back_pending()
        while True:
            taken = await self._db.pool.fetchval(
                "INSERT INTO turn_locks (conversation_key, holder, until) "
                "VALUES ($1, $2, now() + make_interval(secs => $3)) "
                "ON CONFLICT (conversation_key) DO UPDATE SET holder = excluded.holder, "
                "until = excluded.until WHERE turn_locks.until < now() RETURNING holder",
                conversation_key,
                holder,
                self._lease_seconds,
            )
            if taken is not None:
                return True
            if time.monotonic() + RETRY_EVERY_SECONDS > deadline:
                return False
            await asyncio.sleep(RETRY_EVERY_SECONDS)

    async def _renew(self, conversation_key: str, holder: str) -> None:
        while True:
            await asyncio.sleep(self._renew_every_seconds)
            try:
                await self._db.pool.execute(
                    "UPDATE turn_locks SET until = now() + make_interval(secs => $3) "
                    "WHERE conversation_key = $1 AND holder = $2",
                    conversation_key,
                    holder,
                    self._lease_seconds,
                )
            except Exception:  # a database hiccup must not end the turn
                logger.exception("could not renew the turn lock of %s", conversation_key)

    async def _give_back_pending(self) -> None:
        if not self._not_given_back:
            return
        pending = list(self._not_given_back)
        await self._db.pool.execute(
            "DELETE FROM turn_locks WHERE (conversation_key, holder) IN "
            "(SELECT * FROM unnest($1::text[], $2::text[]))",
            [key for key, _ in pending],
            [holder for _, holder in pending],
        )
        self._not_given_back.difference_update(pending)

    async def _give_back(self, conversation_key: str, holder: str) -> None:
        try:
            await self._db.pool.execute(
                "DELETE FROM turn_locks WHERE conversation_key = $1 AND holder = $2",
                conversation_key,
                holder,
            )
        except Exception as error:  # given back at the next take; else it runs out
            self._not_given_back.add((conversation_key, holder))
            logger.warning(
                "could not give back the turn lock of %s yet: %s", conversation_key, error
            )


class PostgresJobLeases:
    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def take(self, job: str, holder: str, seconds: float) -> bool:
        taken = await self._db.pool.fetchval(
            "INSERT INTO job_leases (name, holder, until) "
            "VALUES ($1, $2, now() + make_interval(secs => $3)) "
            "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until "
            "WHERE job_leases.until < now() OR job_leases.holder = excluded.holder "
            "RETURNING holder",
            job,
            holder,
            float(seconds),
        )
        return taken is not None

    async def renew(self, job: str, holder: str, seconds: float) -> bool:
        renewed = await self._db.pool.fetchval(
            "UPDATE job_leases SET until = now() + make_interval(secs => $3) "
            "WHERE name = $1 AND holder = $2 RETURNING holder",
            job,
            holder,
            float(seconds),
        )
        return renewed is not None


async def assert_lease(db: Any, lease: JobLease) -> None:
    """Raise LeaseLost unless `lease` runs and is its holder's, checked inside the caller's
    transaction (`db`): the last statement before a job's write commits. The row stays
    locked FOR SHARE until then, so another instance that would take the lease over (an
    UPDATE of that row) waits for this commit, and the job's writes never interleave with
    the next holder's."""
    held = await db.fetchval(
        "SELECT 1 FROM job_leases WHERE name = $1 AND holder = $2 AND until > now() FOR SHARE",
        lease.job,
        lease.holder,
    )
    if held is None:
        raise LeaseLost(f"the {lease.job!r} lease is no longer held by {lease.holder!r}")
