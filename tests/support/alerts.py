"""Open alerts in a real store, for tests of the outbox below the bot."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from domain.alerts import Alert, NewAlert, dedupe_key
from domain.rules import initial_state, percent_rule
from domain.watches import NewWatch, Watch
from state.interfaces import Store
from tests.support.changes import record


def drop_of(watch: Watch, seen_at: datetime) -> NewAlert:
    """A drop alert of the watch, $199.99 to $149.99."""
    return NewAlert(
        dedupe_key=dedupe_key(watch.id, "drop"),
        conversation_key=watch.conversation_key,
        watch_id=watch.id,
        product_id=watch.product_id,
        product_name=watch.product_name,
        currency=watch.currency,
        old_price=Decimal("199.99"),
        new_price=Decimal("149.99"),
        seen_at=seen_at,
    )


async def open_alerts(
    store: Store, conversation_key: str, count: int, now: datetime
) -> list[Alert]:
    """`count` pending alerts for one reachable conversation, each of its own watch."""
    await store.references.save(conversation_key, {"conversation": {"id": conversation_key}}, now)
    rule = percent_rule(Decimal("199.99"), Decimal(20))
    new = []
    for _ in range(count):
        watch = await store.watches.add(
            NewWatch(
                conversation_key=conversation_key,
                user_id=f"user-of-{conversation_key}",
                product_id="p-100",
                product_name="Noise-cancelling headphones",
                currency="USD",
                rule=rule,
                state=initial_state(rule),
                created_at=now,
            )
        )
        new.append(drop_of(watch, now))
    assert await record(store, alerts=new) == count
    keys = {alert.dedupe_key for alert in new}
    every = await store.outbox.get(range(1, 1000))
    return [alert for alert in every if alert.dedupe_key in keys]
