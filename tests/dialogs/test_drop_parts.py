"""Everyone one price drop alerts reads the same of its product, made once for the drop;
each reads their own rule, target, times and buttons, exactly as if made for them alone."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest

from bots.alert_sender import fits
from dialogs.alert_cards import json_text
from dialogs.alert_message import AlertMessage, alert_message
from dialogs.drop_parts import DropPart, DropParts, drop_part
from domain.alert_facts import AlertFacts, DropNews, LowestPrice
from domain.alerts import Alert, AlertKind
from domain.local_times import LocalTimes
from domain.rules import below_rule, percent_rule, protect_rule
from tests.dialogs.test_alert_cards import alert, buttons, texts_of

D = Decimal
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)
TOKYO = LocalTimes("Asia/Tokyo", NOW)
UTC = LocalTimes(None, NOW)
LOW = LowestPrice(D("139.99"), datetime(2026, 10, 3, 20, 0, tzinfo=timezone.utc))
"""Oct 3 in UTC, Oct 4 in Tokyo."""
CHART = "https://charts.example/p-100.png"


@dataclass
class Counted:
    """`drop_part`, counting what it is asked to make."""

    made: list[DropNews] = field(default_factory=list)

    def __call__(self, news: DropNews) -> DropPart:
        self.made.append(news)
        return drop_part(news)


def ana(**fields: Any) -> tuple[Alert, AlertFacts]:
    """Ana's alert of the drop: 20% under $199.99, her watch 7 at version 3."""
    rule = percent_rule(D("199.99"), D(20))
    return alert(id=1, watch_id=7, **fields), AlertFacts(rule, LOW, CHART, "ana", "Ana", 3)


def ben(**fields: Any) -> tuple[Alert, AlertFacts]:
    """Ben's alert of the same drop: a target of $180, his watch 8 at version 1."""
    rule = below_rule(D("199.99"), D(180))
    return alert(id=2, watch_id=8, **fields), AlertFacts(rule, LOW, CHART, "ben", "Ben", 1)


def message(
    recipient: tuple[Alert, AlertFacts], times: LocalTimes, parts: Any = drop_part
) -> AlertMessage:
    made, facts = recipient
    return alert_message([made], {made.id: facts}, fits, times, parts)


def test_two_recipients_of_one_drop_each_get_their_own_card_from_one_product_part() -> None:
    counted = Counted()
    parts = DropParts(counted)

    anas = message(ana(), TOKYO, parts)
    bens = message(ben(), TOKYO, parts)

    assert len(counted.made) == 1, "the product's part is made once for the drop"
    [anas_card], [bens_card] = anas.cards, bens.cards
    product = [
        "Noise-cancelling headphones",
        "$199.99 → $149.99",
        "Down 25.0% ($50.00) from $199.99",
    ]
    assert texts_of(anas_card) == [
        *product,
        "Your alert: 20% below $199.99",
        "Lowest in 90 days: $139.99 (Oct 4)",
    ]
    assert texts_of(bens_card) == [
        *product,
        "Your alert: below $180.00",
        "Lowest in 90 days: $139.99 (Oct 4)",
    ]
    assert buttons(anas_card) == {
        "Stop watching": {"pricewatch": "stop", "watch_id": 7, "version": 3, "alert_id": 1},
        "Snooze 1 day": {"pricewatch": "snooze", "watch_id": 7, "version": 3, "alert_id": 1},
        "Lower my target to $119.99": {
            "pricewatch": "lower",
            "watch_id": 7,
            "version": 3,
            "alert_id": 1,
            "target": "119.99",
        },
    }
    assert buttons(bens_card)["Lower my target to $134.99"] == {
        "pricewatch": "lower",
        "watch_id": 8,
        "version": 1,
        "alert_id": 2,
        "target": "134.99",
    }
    assert "(your alert: 20% below $199.99)" in anas.text
    assert "(your alert: below $180.00)" in bens.text and "20%" not in bens.text
    assert anas.summary == bens.summary
    assert anas == message(ana(), TOKYO), "the same as made for Ana alone"
    assert bens == message(ben(), TOKYO), "the same as made for Ben alone"


def test_a_reader_in_another_zone_reads_the_low_on_their_own_day() -> None:
    counted = Counted()
    parts = DropParts(counted)

    in_tokyo = message(ana(), TOKYO, parts)
    in_utc = message(ben(), UTC, parts)
    also_in_tokyo = message(ben(), TOKYO, parts)

    assert "Lowest in 90 days: $139.99 (Oct 4)" in texts_of(in_tokyo.cards[0])
    assert "Lowest in 90 days: $139.99 (Oct 3)" in texts_of(in_utc.cards[0])
    assert "Lowest in 90 days: $139.99 (Oct 4)" in texts_of(also_in_tokyo.cards[0])
    assert len(counted.made) == 2, "one part for each zone's reading of the drop"


def test_each_price_protection_says_its_own_claim_and_end_in_its_readers_zone() -> None:
    parts = DropParts(Counted())
    until = datetime(2026, 12, 20, 16, 30, tzinfo=timezone.utc)
    paid = protect_rule(D("179.00"))
    anas = alert(
        "179.00", "149.99", id=1, watch_id=7, kind=AlertKind.PROTECT, protected_until=until
    )
    bens = replace(anas, id=2, watch_id=8, protected_until=until.replace(day=22))

    in_tokyo = alert_message([anas], {1: AlertFacts(rule=paid)}, fits, TOKYO, parts)
    in_utc = alert_message([bens], {2: AlertFacts(rule=paid)}, fits, UTC, parts)

    assert "until Dec 21, 01:30)" in in_tokyo.text, in_tokyo.text
    assert "until Dec 22, 16:30 UTC)" in in_utc.text, in_utc.text
    assert "$29.01 back" in texts_of(in_utc.cards[0])[-1]


def news_alerts() -> list[tuple[Alert, AlertFacts]]:
    """One alert of every kind, and the states a card can be in."""
    facts = ana()[1]
    return [
        ana(),
        (alert(product_name="Espresso machine", id=3, watch_id=9), replace(facts, low=None)),
        (alert(id=4, watch_id=10, card_done="Snoozed until tomorrow 09:00."), facts),
        (alert(id=5, watch_id=11), AlertFacts()),  # the watch is gone
        (alert(None, None, id=6, watch_id=12, kind=AlertKind.UNAVAILABLE), facts),
        (alert(None, "120.00", id=7, watch_id=13, kind=AlertKind.AVAILABLE), facts),
        (alert(None, None, id=8, watch_id=14, kind=AlertKind.AVAILABLE), facts),
        (alert(None, None, id=9, watch_id=15, kind=AlertKind.SHOP_SILENT), facts),
        (alert("179.00", "149.99", id=10, watch_id=16, kind=AlertKind.PROTECT), facts),
        (alert("0.03", "0.03", id=11, watch_id=17, product_name="**Pro** 🎧 case"), facts),
    ]


@pytest.mark.parametrize("count", [1, 3, 10, 12])
@pytest.mark.parametrize("times", [TOKYO, UTC], ids=["tokyo", "utc"])
def test_a_message_from_kept_parts_is_the_message_made_afresh(
    count: int, times: LocalTimes
) -> None:
    """Whatever the alerts (a digest of several, every kind, cards answered or without
    buttons), a message of parts kept from other recipients' messages is exactly the one
    made for its reader alone, down to the measured length of each card."""
    recipients = (news_alerts() * 2)[:count]
    alerts = [replace(made, id=n) for n, (made, _) in enumerate(recipients)]
    facts = {n: fact for n, (_, fact) in enumerate(recipients)}
    parts = DropParts()
    others = [replace(made, id=100 + made.id, watch_id=999) for made in alerts]
    alert_message(others, {100 + n: ben()[1] for n in facts}, fits, times, parts)

    kept = alert_message(alerts, facts, fits, times, parts)

    assert kept == alert_message(alerts, facts, fits, times)
    if kept.card_json is not None:
        assert kept.card_json == tuple(json_text(card) for card in kept.cards)


def test_the_parts_kept_are_bounded() -> None:
    counted = Counted()
    parts = DropParts(counted, limit=2)
    for price in ("149.99", "139.99", "129.99", "149.99"):
        message(ana(new=price), TOKYO, parts)
    assert len(counted.made) == 4, "the first was let go when the third came"
