"""Writing states and alerts through the store's one write path, as the poll does."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Sequence

from domain.alerts import NewAlert
from domain.polls import PollChanges
from domain.rules import RuleState
from domain.watch_changes import Change
from state.interfaces import Store


async def record(
    store: Store,
    states: Sequence[tuple[int, RuleState]] = (),
    alerts: Sequence[NewAlert] = (),
) -> int:
    """Give the watches these states and these new alerts, each watch as it is now;
    returns how many alerts are new."""
    by_watch: dict[int, list[NewAlert]] = defaultdict(list)
    for alert in alerts:
        by_watch[alert.watch_id].append(alert)
    new_states = dict(states)
    watches = await store.watches.by_ids(sorted({*by_watch, *new_states}))
    changes = [
        Change(
            watch,
            replace(watch, state=new_states.get(watch.id, watch.state)),
            alerts=by_watch.get(watch.id, []),
        )
        for watch in watches.values()
    ]
    recorded = await store.watches.record_poll(PollChanges(changes=changes))
    assert not recorded.conflicts
    return recorded.alerts
