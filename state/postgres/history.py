"""`record_prices` for state/postgres/watches.py, which writes a poll in a transaction of
its own: until it moves onto state/sql/, this runs state/sql/history.py's in it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Mapping

import asyncpg

from state.postgres.sql import PostgresTransaction
from state.sql import history


async def record_prices(
    db: asyncpg.Connection, prices: Mapping[str, Decimal | None], seen_at: datetime
) -> None:
    await history.record_prices(PostgresTransaction(db), prices, seen_at)
