"""Alerts as Adaptive Cards: pure JSON, the version Web Chat 4.18 and Teams both render.

Version 1.5 with Action.Submit (Teams renders up to 1.5; Web Chat knows no
Action.Execute). A button's `data` comes back as a message whose `value` is that dict:
`{"pricewatch": "stop" | "snooze" | "lower", "watch_id": N, "version": V, "alert_id": A,
"target": "119.99"}` (`version`: the watch's `user_version` when the card was made;
`target` only for "lower"); the bot's card action handling reads exactly these.

A card whose button did something (`Alert.card_done`) says so instead of its buttons:
the card that replaces it in place (`update_activity`) where the channel can.
"""

from __future__ import annotations

from typing import Any, Final, Sequence

from dialogs import texts
from domain.alert_facts import UNKNOWN, AlertFacts
from domain.alerts import Alert, AlertKind
from domain.local_times import LocalTimes
from domain.price_drops import is_protection, lowered_target, price_drop

SCHEMA: Final = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION: Final = "1.5"
CONTENT_TYPE: Final = "application/vnd.microsoft.card.adaptive"
MAX_CHART_URL_CHARS: Final = 2048
PRICE_KINDS: Final = (AlertKind.DROP, AlertKind.PROTECT)
"""Alerts about a lower price: their card shows the prices and the drop."""

Card = dict[str, Any]


def alert_card(
    alert: Alert,
    facts: AlertFacts = UNKNOWN,
    *,
    times: LocalTimes,
    chart: bool = True,
    details: bool = True,
) -> Card:
    """One alert's card. Without `chart` it has no image; without `details`, neither
    the rule nor the 90-day low (a message that must stay small)."""
    currency = alert.currency
    name = texts.shown_name(alert.product_name)
    # A card's TextBlock renders Markdown too: the name is escaped as in a message.
    body: list[Card] = [_text(texts.md(name), weight="Bolder", size="Medium")]
    rule = facts.rule
    if alert.kind not in PRICE_KINDS or alert.old_price is None or alert.new_price is None:
        body.append(_text(_news(alert), spacing="Small"))
        return _answered(alert, body) or _card(body, _actions(alert, facts, lower=False))
    old, new = texts.money(alert.old_price, currency), texts.money(alert.new_price, currency)
    body.append(
        _text(f"{old} → {new}", size="Large", weight="Bolder", color="Good", spacing="None")
    )
    drop = price_drop(alert.old_price, alert.new_price)
    words = texts.drop_words(drop, currency)
    if words:
        body.append(_text(words[0].upper() + words[1:], spacing="None"))
    if alert.kind is AlertKind.PROTECT:
        body.append(_text(texts.protection_words(alert, times), spacing="Small"))
    elif details and rule is not None and (fired := texts.rule_words(rule, currency)):
        body.append(_text(f"Your alert: {fired}", spacing="Small"))
    if details and facts.low is not None:
        low = texts.low_words(facts.low, alert.new_price, currency, times)
        body.append(_text(low, spacing="None"))
    if chart and facts.chart_url and _is_usable_url(facts.chart_url):
        body.append(
            {
                "type": "Image",
                "url": facts.chart_url,
                "altText": f"Price history of {texts.shown_name(alert.product_name, 60)}",
                "size": "Stretch",
            }
        )
    return _answered(alert, body) or _card(body, _actions(alert, facts, lower=True))


def _answered(alert: Alert, body: list[Card]) -> Card | None:
    """The card of an alert whose button did something: what it did, no buttons."""
    if alert.card_done is None:
        return None
    done = _text(f"✓ {alert.card_done}", weight="Bolder", color="Accent", spacing="Medium")
    return _card([*body, done], [])


def compact_card(alerts: Sequence[Alert], name_chars: int) -> Card:
    """Every alert on one card, a line each: product, new price, drop."""
    body = [_text(texts.alerts_heading(alerts), weight="Bolder", size="Medium")]
    body += [_text(texts.compact_alert_line(alert, name_chars), spacing="None") for alert in alerts]
    return _card(body, [])


def _news(alert: Alert) -> str:
    if alert.kind is AlertKind.UNAVAILABLE:
        return "Unavailable at the moment, so I've paused this watch."
    if alert.kind is AlertKind.AVAILABLE and alert.new_price is not None:
        price = texts.money(alert.new_price, alert.currency)
        return f"Available again at {price}, and I'm watching it again."
    if alert.kind is AlertKind.AVAILABLE:
        return "Available again, and I'm watching it again."
    if alert.kind is AlertKind.SHOP_SILENT:
        return texts.SHOP_SILENT_NEWS[:1].upper() + texts.SHOP_SILENT_NEWS[1:]
    price = "" if alert.new_price is None else texts.money(alert.new_price, alert.currency)
    return f"Now {price}." if price else "Its price changed."


def _actions(alert: Alert, facts: AlertFacts, lower: bool) -> list[Card]:
    """The buttons; none once the watch is gone. A drop under a price rule offers all
    three; other news, and price protection, only Stop watching."""
    rule = facts.rule
    if rule is None:
        return []
    ids = {"watch_id": alert.watch_id, "version": facts.watch_version, "alert_id": alert.id}
    actions = [_submit("Stop watching", {"pricewatch": "stop", **ids})]
    if (
        not lower
        or alert.kind is AlertKind.PROTECT
        or is_protection(rule)
        or alert.old_price is None
        or alert.new_price is None
    ):
        return actions
    actions.append(_submit("Snooze 1 day", {"pricewatch": "snooze", **ids}))
    target = lowered_target(rule, price_drop(alert.old_price, alert.new_price))
    if target is not None:
        actions.append(
            _submit(
                f"Lower my target to {texts.money(target, alert.currency)}",
                {"pricewatch": "lower", **ids, "target": str(target)},
            )
        )
    return actions


def _card(body: list[Card], actions: list[Card]) -> Card:
    card: Card = {"$schema": SCHEMA, "type": "AdaptiveCard", "version": VERSION, "body": body}
    if actions:
        card["actions"] = actions
    return card


def _text(text: str, **style: str) -> Card:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _submit(title: str, data: dict[str, object]) -> Card:
    return {"type": "Action.Submit", "title": title, "data": data}


def _is_usable_url(url: str) -> bool:
    return len(url) <= MAX_CHART_URL_CHARS and url.startswith(("https://", "http://"))
