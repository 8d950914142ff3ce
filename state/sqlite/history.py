"""`record_prices` for state/sqlite/watches.py, which writes a poll in a transaction of
its own: until it moves onto state/sql/, this runs state/sql/history.py's in it."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from decimal import Decimal
from typing import Mapping

from state.sql import history
from state.sqlite.sql import SqliteTransaction, run_now


def record_prices(
    db: sqlite3.Connection, prices: Mapping[str, Decimal | None], seen_at: datetime
) -> None:
    run_now(history.record_prices(SqliteTransaction(db), prices, seen_at))
