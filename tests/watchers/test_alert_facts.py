"""The facts a message's cards show: gathered once, and never the reason an alert fails."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Mapping, Sequence

from domain.alert_facts import AlertFacts, LowestPrice
from domain.history import PricePoint
from domain.rules import initial_state, percent_rule
from domain.watches import Watch
from tests.dialogs.test_alert_cards import alert
from tests.support.facts import no_chart, no_lows
from watchers.alert_facts import AlertFactsProvider

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
