"""The alert card as a user sees it: every figure, the buttons and what they send back."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest

from dialogs.alert_cards import alert_card, compact_card
from domain.alert_facts import AlertFacts, LowestPrice
from domain.alerts import Alert, AlertKind, AlertStatus
from domain.local_times import LocalTimes
from domain.rules import Rule, below_rule, percent_rule, protect_rule

D = Decimal
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)
TIMES = LocalTimes("Asia/Tokyo", NOW)
"""A Tokyo reader: 10:00 UTC is 19:00 there."""
CHART = "https://charts.example/p-100.png"
LOW = LowestPrice(D("139.99"), datetime(2026, 10, 3, 8, 0, tzinfo=timezone.utc))


def alert(old: str | None = "199.99", new: str | None = "149.99", **fields: Any) -> Alert:
    values: dict[str, Any] = dict(
        id=1,
        dedupe_key="watch-7-crossing-1",
        conversation_key="conv",
        watch_id=7,
        product_id="p-100",
        product_name="Noise-cancelling headphones",
        currency="USD",
        old_price=None if old is None else D(old),
        new_price=None if new is None else D(new),
        seen_at=NOW,
        status=AlertStatus.PENDING,
        attempts=0,
        held_at=None,
        last_error=None,
    )
    values.update(fields)
    return Alert(**values)


def texts_of(card: dict[str, Any]) -> list[str]:
    return [block["text"] for block in card["body"] if block["type"] == "TextBlock"]


def buttons(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {action["title"]: action["data"] for action in card.get("actions", [])}


FULL = AlertFacts(percent_rule(D("199.99"), D(20)), LOW, CHART, watch_version=3)
CARD = {"watch_id": 7, "version": 3, "alert_id": 1}
"""What every button of alert 1's card names: its watch as the card shows it (the watch's
`user_version` when the card was made) and the alert."""


def test_a_drop_card_has_every_figure_the_issue_names() -> None:
    card = alert_card(alert(), FULL, times=TIMES)
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert texts_of(card) == [
        "Noise-cancelling headphones",
        "$199.99 → $149.99",
        "Down 25.0% ($50.00) from $199.99",
        "Your alert: 20% below $199.99",
        "Lowest in 90 days: $139.99 (Oct 3)",
    ]
    [image] = [block for block in card["body"] if block["type"] == "Image"]
    assert image == {
        "type": "Image",
        "url": CHART,
        "altText": "Price history of Noise-cancelling headphones",
        "size": "Stretch",
    }


def test_a_name_with_markdown_in_it_shows_as_written() -> None:
    """A card's TextBlock renders Markdown: "**Pro** [case](https://x)" is no link."""
    card = alert_card(alert(product_name="**Pro** [case](https://x)"), times=TIMES)
    assert card["body"][0]["text"] == r"\*\*Pro\*\* \[case\](https://x)"


def test_the_buttons_send_back_exactly_the_agreed_payloads() -> None:
    card = alert_card(alert(), FULL, times=TIMES)
    assert buttons(card) == {
        "Stop watching": {"pricewatch": "stop", **CARD},
        "Snooze 1 day": {"pricewatch": "snooze", **CARD},
        "Lower my target to $119.99": {"pricewatch": "lower", **CARD, "target": "119.99"},
    }
    assert {action["type"] for action in card["actions"]} == {"Action.Submit"}
    assert "Action.Execute" not in json.dumps(card), "Web Chat 4.18 cannot render it"
    json.dumps(card, allow_nan=False)  # plain JSON, nothing msrest must convert


@pytest.mark.parametrize(
    ("rule", "old", "new", "target"),
    [
        # A percent rule: the same percent off the new price.
        (percent_rule(D("199.99"), D(20)), "199.99", "149.99", "119.99"),
        (percent_rule(D("100.00"), D("12.5")), "100.00", "87.00", "76.13"),
        # A target: as far under the new price as it was under the price when made
        # (300 is 14.29% under 350).
        (below_rule(D("350.00"), D(300)), "310.00", "280.00", "239.99"),
        (below_rule(D("350.00"), D(300)), "310.00", "299.99", "257.12"),
        # Never under half the new price.
        (percent_rule(D("100.00"), D(70)), "100.00", "30.00", "15.00"),
    ],
)
def test_lower_my_target_keeps_the_gap_the_user_chose(
    rule: Rule, old: str, new: str, target: str
) -> None:
    card = alert_card(alert(old, new), AlertFacts(rule=rule), times=TIMES)
    [data] = [data for data in buttons(card).values() if data["pricewatch"] == "lower"]
    assert data["target"] == target
    assert f"Lower my target to ${Decimal(target):,.2f}" in buttons(card)


def test_no_lower_target_that_is_not_a_positive_lower_price() -> None:
    above = alert_card(
        alert("310.00", "150.00"), AlertFacts(rule=below_rule(D(350), D(400))), times=TIMES
    )
    assert set(buttons(above)) == {"Stop watching", "Snooze 1 day"}, "no gap was chosen"
    cent = alert_card(
        alert("0.03", "0.01"), AlertFacts(rule=percent_rule(D("0.03"), D(20))), times=TIMES
    )
    assert set(buttons(cent)) == {"Stop watching", "Snooze 1 day"}, "not under one cent"
    rose = alert_card(
        alert("280.00", "290.00"), AlertFacts(rule=below_rule(D(350), D(300))), times=TIMES
    )
    assert set(buttons(rose)) == {"Stop watching", "Snooze 1 day"}, "no drop: no lower target"


def test_the_rule_reads_as_the_user_set_it() -> None:
    below = alert_card(
        alert("310.00", "280.00"), AlertFacts(rule=below_rule(D(350), D(300))), times=TIMES
    )
    assert "Your alert: below $300.00" in texts_of(below)


def test_a_removed_watch_gets_a_card_without_rule_or_buttons() -> None:
    card = alert_card(alert(), AlertFacts(low=LOW, chart_url=CHART), times=TIMES)
    assert "actions" not in card
    assert not any(text.startswith("Your alert") for text in texts_of(card))
    assert "Down 25.0% ($50.00) from $199.99" in texts_of(card)


def test_unknown_history_leaves_out_the_low_and_the_chart() -> None:
    card = alert_card(alert(), AlertFacts(rule=FULL.rule), times=TIMES)
    assert not any(block["type"] == "Image" for block in card["body"])
    assert not any("Lowest" in text for text in texts_of(card))


def test_the_low_is_now_when_the_new_price_is_the_lowest() -> None:
    card = alert_card(alert(), replace(FULL, low=LowestPrice(D("149.99"), NOW)), times=TIMES)
    assert "Lowest in 90 days: $149.99 (now)" in texts_of(card)


def test_a_chart_url_that_is_not_a_web_address_is_left_out() -> None:
    for url in ["javascript:alert(1)", "https://x/" + "a" * 5000]:
        card = alert_card(alert(), replace(FULL, chart_url=url), times=TIMES)
        assert not any(block["type"] == "Image" for block in card["body"])


@pytest.mark.parametrize(
    ("kind", "new", "says"),
    [
        (AlertKind.UNAVAILABLE, None, "Unavailable at the moment, so I've paused this watch."),
        (AlertKind.AVAILABLE, "189.99", "Available again at $189.99, and I'm watching it again."),
    ],
)
def test_news_about_a_watch_gets_a_small_card_with_stop_watching(
    kind: AlertKind, new: str | None, says: str
) -> None:
    card = alert_card(alert(None, new, kind=kind), FULL, times=TIMES)
    assert texts_of(card) == ["Noise-cancelling headphones", says]
    assert buttons(card) == {"Stop watching": {"pricewatch": "stop", **CARD}}
    assert not any(block["type"] == "Image" for block in card["body"])


def test_price_protection_says_what_may_be_claimed_back() -> None:
    paid = protect_rule(D("179.00"))
    card = alert_card(
        alert("179.00", "169.99", kind=AlertKind.PROTECT), AlertFacts(rule=paid), times=TIMES
    )
    assert "You paid $179.00: you may be able to claim $9.01 back" in texts_of(card)
    assert buttons(card) == {
        "Stop watching": {"pricewatch": "stop", "watch_id": 7, "version": 0, "alert_id": 1}
    }


def test_the_protection_window_and_the_low_read_in_the_users_zone() -> None:
    protected = alert(
        "179.00",
        "169.99",
        kind=AlertKind.PROTECT,
        protected_until=datetime(2026, 12, 20, 14, 59, tzinfo=timezone.utc),
    )
    late_low = LowestPrice(D("139.99"), datetime(2026, 10, 3, 16, 0, tzinfo=timezone.utc))
    facts = AlertFacts(rule=protect_rule(D("179.00")), low=late_low)
    in_tokyo = texts_of(alert_card(protected, facts, times=TIMES))
    assert (
        "You paid $179.00: you may be able to claim $9.01 back"
        " (price protection until Dec 20, 23:59)" in in_tokyo
    )
    assert "Lowest in 90 days: $139.99 (Oct 4)" in in_tokyo, "16:00 UTC is the next day in Tokyo"
    unknown = texts_of(alert_card(protected, facts, times=LocalTimes(None, NOW)))
    assert "(price protection until Dec 20, 14:59 UTC)" in " ".join(unknown)


def test_a_tiny_drop_is_not_down_zero_percent() -> None:
    card = alert_card(alert("199.99", "199.98"), FULL, times=TIMES)
    assert "Down less than 0.1% ($0.01) from $199.99" in texts_of(card)


def test_prices_with_float_leftovers_agree_with_their_difference() -> None:
    card = alert_card(alert("19.990000000000002", "9.995000000000001"), FULL, times=TIMES)
    assert "$19.99 → $10.00" in texts_of(card)
    assert "Down 50.0% ($9.99) from $19.99" in texts_of(card), "19.99 - 10.00 as shown"


def test_an_answered_card_says_what_was_done_and_has_no_buttons() -> None:
    card = alert_card(alert(card_done="Snoozed until tomorrow 09:00."), FULL, times=TIMES)
    assert texts_of(card)[:2] == ["Noise-cancelling headphones", "$199.99 → $149.99"]
    assert texts_of(card)[-1] == "✓ Snoozed until tomorrow 09:00."
    assert "actions" not in card

    gone = alert(None, None, kind=AlertKind.UNAVAILABLE, card_done="Stopped watching.")
    news = alert_card(gone, FULL, times=TIMES)
    assert texts_of(news)[-1] == "✓ Stopped watching." and "actions" not in news


def test_the_compact_card_names_every_alert_with_its_price_and_drop() -> None:
    alerts = [alert(id=n, watch_id=n, product_name=f"Product {n}") for n in range(1, 4)]
    card = compact_card(alerts, 60)
    assert card["version"] == "1.5" and "actions" not in card
    assert texts_of(card) == [
        "📉 Price drops on 3 of your watches",
        *(f"**Product {n}** $149.99, down 25.0%" for n in range(1, 4)),
    ]
