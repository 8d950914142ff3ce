"""Claims are leases: renewed while their alerts are in flight, whoever claimed them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.alerts import Alert
from outbox.leases import Leases, LeaseTerms
from state.interfaces import Store
from tests.support.alerts import open_alerts
from tests.support.clock import FakeClock

pytestmark = pytest.mark.store_variants

LEASE = timedelta(seconds=5)
RENEW_EVERY = 2.0


def leases(store: Store, clock: FakeClock, renew_every: float = RENEW_EVERY) -> Leases:
    return Leases(store.outbox, clock, LeaseTerms(LEASE, renew_every, clock.sleep))


def ids(alerts: list[Alert]) -> list[int]:
    return [alert.id for alert in alerts]


async def test_renew_extends_every_claim_in_flight_and_none_let_go(store: Store) -> None:
    clock = FakeClock()
    mine = leases(store, clock, renew_every=3600)  # renewed by hand here
    [ticked] = await open_alerts(store, "emulator/ticked", 1, clock())
    assert ids(await mine.claim_due(10)) == [ticked.id]
    [in_turn] = await open_alerts(store, "emulator/in-turn", 1, clock())
    [done] = await open_alerts(store, "emulator/done", 1, clock())
    assert ids(await mine.claim_conversation("emulator/in-turn")) == [in_turn.id]
    assert ids(await mine.claim_conversation("emulator/done")) == [done.id]
    mine.let_go([done])

    clock.advance(LEASE.total_seconds() - 1)
    await mine.renew()
    clock.advance(2)  # past the first lease, within the renewed one

    other = leases(store, clock)
    assert ids(await other.claim_due(10)) == [done.id], "only the claim let go ran out"
    assert await other.claim_conversation("emulator/in-turn") == []


async def test_claims_are_renewed_on_their_own_while_held_and_run_out_once_let_go(
    store: Store,
) -> None:
    clock = FakeClock()
    alerts = await open_alerts(store, "emulator/conv-1", 2, clock())
    mine, other = leases(store, clock), leases(store, clock)
    claimed = await mine.claim_due(10)
    assert len(claimed) == 2

    for _ in range(4):  # 8 s: well past the first lease
        await clock.pass_time(RENEW_EVERY)
        assert await other.claim_due(10) == []

    mine.let_go(claimed)
    await clock.pass_time(LEASE.total_seconds() - 1)
    assert await other.claim_due(10) == [], "let go, but its last lease has not run out yet"
    await clock.pass_time(1)
    assert ids(await other.claim_due(10)) == ids(alerts)


async def test_a_released_claim_can_be_claimed_again_at_once(store: Store) -> None:
    clock = FakeClock()
    [alert] = await open_alerts(store, "emulator/conv-1", 1, clock())
    mine, other = leases(store, clock), leases(store, clock)
    [claimed] = await mine.claim_due(10)
    assert await other.claim_due(10) == []

    await mine.release([claimed])
    await mine.renew()  # renews nothing it gave back

    assert ids(await other.claim_due(10)) == [alert.id]
