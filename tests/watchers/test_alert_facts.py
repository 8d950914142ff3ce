"""The facts a message's cards show: gathered once, and never the reason an alert fails."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Mapping, Sequence

from domain.alert_facts import AlertFacts, LowestPrice
from domain.history import PricePoint
from domain.rules import initial_state, percent_rule
from domain.watches import Watch
from tests.dialogs.test_alert_cards import alert
from tests.support.facts import no_chart, no_lows
from watchers.alert_facts import RECENT_SECONDS, AlertFactsProvider

NOW = datetime(2026, 12, 2, tzinfo=timezone.utc)
RULE = percent_rule(Decimal("199.99"), Decimal(20))


def watch(watch_id: int, created_at: datetime = NOW - timedelta(days=200)) -> Watch:
    return Watch(
        watch_id,
        "conv",
        "user",
        "p-100",
        "Headphones",
        "USD",
        RULE,
        initial_state(RULE),
        created_at,
    )


class Calls:
    def __init__(self) -> None:
        self.lows: list[tuple[list[str], datetime]] = []
        self.charts: list[str] = []
        self.chart_starts: list[datetime | None] = []

    async def lows_since(
        self, product_ids: Sequence[str], since: datetime
    ) -> Mapping[str, PricePoint]:
        self.lows.append((list(product_ids), since))
        low = PricePoint(NOW - timedelta(days=3), Decimal("139.99"))
        return {"p-100": low, "p-200": PricePoint(NOW, None)}

    async def chart_url(
        self, product_id: str, currency: str, zone: str | None, not_before: datetime | None
    ) -> str | None:
        self.charts.append(product_id)
        self.chart_starts.append(not_before)
        assert zone == "Asia/Tokyo"
        return f"https://charts.example/{product_id}.png" if product_id == "p-100" else None


async def test_one_look_each_for_a_whole_message() -> None:
    calls = Calls()
    provider = AlertFactsProvider(lambda: NOW, calls.lows_since, calls.chart_url)
    alerts = [
        alert(id=1, watch_id=7),
        alert(id=2, watch_id=7, dedupe_key="other"),
        alert(id=3, watch_id=8, product_id="p-200"),
    ]
    found = await provider(alerts, {7: watch(7)}, "Asia/Tokyo")
    assert calls.lows == [(["p-100", "p-200"], NOW - timedelta(days=90))]
    assert calls.chart_starts == [NOW - timedelta(days=200), None]
    assert sorted(calls.charts) == ["p-100", "p-200"]
    low = LowestPrice(Decimal("139.99"), NOW - timedelta(days=3))
    assert (
        found[1]
        == found[2]
        == AlertFacts(RULE, low, "https://charts.example/p-100.png", owner_id="user")
    )
    assert found[3] == AlertFacts(), "watch 8 is gone; p-200 has no price and no chart"


async def test_the_low_and_the_chart_start_no_earlier_than_the_watch() -> None:
    """What the bot kept before this conversation watched the product would tell it
    that someone else did."""
    calls = Calls()
    provider = AlertFactsProvider(lambda: NOW, calls.lows_since, calls.chart_url)
    watched = {7: watch(7, created_at=NOW - timedelta(days=10))}
    await provider([alert(id=1, watch_id=7)], watched, "Asia/Tokyo")
    assert calls.lows == [(["p-100"], NOW - timedelta(days=10))]
    assert calls.chart_starts == [NOW - timedelta(days=10)]


async def test_without_history_or_a_chart_yet_the_rule_is_still_known() -> None:
    provider = AlertFactsProvider(lambda: NOW, no_lows, no_chart)
    found = await provider([alert(id=1, watch_id=7)], {7: watch(7)}, None)
    assert found == {1: AlertFacts(rule=RULE, owner_id="user")}


async def test_failing_collaborators_leave_their_facts_unknown() -> None:
    async def broken(*args: object) -> None:
        raise RuntimeError("down")

    provider = AlertFactsProvider(lambda: NOW, broken, broken)  # type: ignore[arg-type]
    assert await provider([alert(id=1)], {}, None) == {1: AlertFacts()}


async def test_a_drops_product_facts_are_looked_up_once_for_all_its_alerts() -> None:
    """A fan-out: every recipient of one drop reads the same low and chart."""
    calls = Calls()
    provider = AlertFactsProvider(lambda: NOW, calls.lows_since, calls.chart_url)
    first = await provider([alert(id=1, watch_id=7)], {7: watch(7)}, "Asia/Tokyo")
    second = await provider([alert(id=2, watch_id=9)], {9: watch(9)}, "Asia/Tokyo")
    assert len(calls.lows) == len(calls.charts) == 1
    assert first[1].chart_url == second[2].chart_url == "https://charts.example/p-100.png"
    assert first[1].low == second[2].low is not None


async def test_a_new_drop_a_later_reader_or_an_older_look_is_looked_up_again() -> None:
    calls = Calls()
    now = [NOW]
    provider = AlertFactsProvider(lambda: now[0], calls.lows_since, calls.chart_url)
    await provider([alert(id=1, watch_id=7)], {7: watch(7)}, "Asia/Tokyo")
    later_drop = alert(id=2, watch_id=7, seen_at=NOW + timedelta(seconds=30))
    await provider([later_drop], {7: watch(7)}, "Asia/Tokyo")
    assert len(calls.charts) == 2, "another drop of the product: its own look"
    newer_watch = {7: watch(7, created_at=NOW - timedelta(days=10))}
    await provider([alert(id=3, watch_id=7)], newer_watch, "Asia/Tokyo")
    assert len(calls.charts) == 3, "another start of the history"
    now[0] = NOW + timedelta(seconds=RECENT_SECONDS + 1)
    await provider([alert(id=4, watch_id=7)], {7: watch(7)}, "Asia/Tokyo")
    assert len(calls.charts) == 4, "kept a minute at most"


async def test_a_failed_look_is_not_kept() -> None:
    calls = Calls()
    failures = [RuntimeError("history down")]

    async def flaky(product_ids: Sequence[str], since: datetime) -> Mapping[str, PricePoint]:
        if failures:
            raise failures.pop()
        return await calls.lows_since(product_ids, since)

    provider = AlertFactsProvider(lambda: NOW, flaky, calls.chart_url)
    first = await provider([alert(id=1, watch_id=7)], {7: watch(7)}, "Asia/Tokyo")
    second = await provider([alert(id=2, watch_id=8)], {8: watch(8)}, "Asia/Tokyo")
    assert first[1].low is None and second[2].low is not None


async def test_alerts_of_one_drop_asking_at_once_share_one_look() -> None:
    """A fan-out's first turns all start before the first look has answered."""
    calls = Calls()
    answer = asyncio.Event()

    async def slow_lows(product_ids: Sequence[str], since: datetime) -> Mapping[str, PricePoint]:
        await answer.wait()
        return await calls.lows_since(product_ids, since)

    provider = AlertFactsProvider(lambda: NOW, slow_lows, calls.chart_url)
    asking = [
        asyncio.ensure_future(provider([alert(id=n, watch_id=n)], {n: watch(n)}, "Asia/Tokyo"))
        for n in range(1, 21)
    ]
    await asyncio.sleep(0)
    asking[0].cancel()  # a turn given up while it waits leaves the look to the others
    answer.set()
    found = await asyncio.gather(*asking[1:])
    assert len(calls.lows) == len(calls.charts) == 1
    assert all(facts[n].low is not None for n, facts in enumerate(found, start=2))
    assert all(facts[n].chart_url for n, facts in enumerate(found, start=2))
    await provider([alert(id=99, watch_id=9)], {9: watch(9)}, "Asia/Tokyo")
    assert len(calls.lows) == 1, "and kept for the alerts after"
