"""Filling a store with many watches quickly, for the scale benchmarks."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from bench.feed import catalog
from domain.rules import initial_state, percent_rule
from domain.watches import NewWatch
from state.interfaces import Store
from state.sqlite import SqliteStore

CHUNK = 10_000


async def seed_watches(store: Store, products: int, watches: int) -> None:
    """`watches` watches spread evenly over `products` products, 20% drops, into an
    open store."""
    items = catalog(products)
    now = datetime.now(timezone.utc)
    batch: list[NewWatch] = []
    for n in range(watches):
        product = items[n % products]
        assert product.price is not None
        rule = percent_rule(product.price, Decimal(20))
        batch.append(
            NewWatch(
                conversation_key=f"bench/conversation-{n}",
                user_id=f"user-{n}",
                product_id=product.id,
                product_name=product.name,
                currency=product.currency,
                rule=rule,
                state=initial_state(rule),
                created_at=now,
            )
        )
        if len(batch) == CHUNK:
            await store.watches.add_many(batch)
            batch = []
    if batch:
        await store.watches.add_many(batch)


async def seed_sqlite(database: Path, products: int, watches: int) -> None:
    """The same into a new SQLite file."""
    store = SqliteStore(database)
    await store.open()
    try:
        await seed_watches(store, products, watches)
    finally:
        await store.close()
