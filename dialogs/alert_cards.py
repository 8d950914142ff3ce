"""Alerts as Adaptive Cards: pure JSON, the version Web Chat 4.18 and Teams both render.

Version 1.5 with Action.Submit (Teams renders up to 1.5; Web Chat knows no
Action.Execute). A button's `data` comes back as a message whose `value` is that dict:
`{"pricewatch": "stop" | "snooze" | "lower", "watch_id": N, "version": V, "alert_id": A,
"target": "119.99"}` (`version`: the watch's `user_version` when the card was made;
`target` only for "lower"); the bot's card action handling reads exactly these.

A card whose button did something (`Alert.card_done`) says so instead of its buttons:
the card that replaces it in place (`update_activity`) where the channel can.

A card's blocks about the product (`ProductBlocks`) are the same for everyone one drop
alerts: they are made of its `DropNews` alone, encoded once, and shared by the cards
of that drop, which never change a block once made (bots/alert_sender.py, CardMessage).
An alert's card is made with its JSON (`encoded_alert_card`): the message is measured
by it, and the connector sends it as it is (connector/direct_serializer.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final, Sequence

from dialogs import texts
from domain.alert_facts import UNKNOWN, AlertFacts, DropNews, drop_news
from domain.alerts import Alert, AlertKind
from domain.local_times import LocalTimes
from domain.price_drops import PriceDrop, is_protection, lowered_target, price_drop

SCHEMA: Final = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION: Final = "1.5"
CONTENT_TYPE: Final = "application/vnd.microsoft.card.adaptive"
MAX_CHART_URL_CHARS: Final = 2048
PRICE_KINDS: Final = (AlertKind.DROP, AlertKind.PROTECT)
"""Alerts about a lower price: their card shows the prices and the drop."""

Card = dict[str, Any]

_COMPACT_JSON: Final = json.JSONEncoder(separators=(",", ":"))
"""`json.dumps(value, separators=...)` without making an encoder for every card."""
_BODY_STAND_IN: Final = '"body":0'
"""Where a card's body goes in its JSON while the rest is encoded."""


@dataclass(frozen=True)
class Encoded:
    """A card block and its JSON."""

    block: Card
    json: str


@dataclass(frozen=True)
class ProductBlocks:
    """A card's blocks about its product, each with its JSON."""

    head: tuple[Encoded, ...]
    """The name; then the prices and the drop, or the news."""
    low: Encoded | None
    """The 90-day low, when known (a drop's card with `details`)."""
    chart: Encoded | None
    """The price chart, when there is a usable one (a drop's card with `chart`)."""
    drop: PriceDrop | None
    """The drop the card shows (its "Lower my target" goes under its new price); None
    for other news."""


def product_blocks(news: DropNews) -> ProductBlocks:
    name = texts.shown_name(news.product_name)
    # A card's TextBlock renders Markdown too: the name is escaped as in a message.
    head: list[Card] = [_text(texts.md(name), weight="Bolder", size="Medium")]
    low = chart = drop = None
    if not _shows_prices(news):
        head.append(_text(_news(news), spacing="Small"))
    else:
        assert news.old_price is not None and news.new_price is not None
        currency = news.currency
        old, new = texts.money(news.old_price, currency), texts.money(news.new_price, currency)
        head.append(
            _text(f"{old} → {new}", size="Large", weight="Bolder", color="Good", spacing="None")
        )
        drop = price_drop(news.old_price, news.new_price)
        words = texts.drop_words(drop, currency)
        if words:
            head.append(_text(words[0].upper() + words[1:], spacing="None"))
        if news.low is not None and news.days is not None:
            low_words = texts.low_words(news.low, news.new_price, currency, news.days)
            low = _text(low_words, spacing="None")
        if news.chart_url and _is_usable_url(news.chart_url):
            chart = {
                "type": "Image",
                "url": news.chart_url,
                "altText": f"Price history of {texts.shown_name(news.product_name, 60)}",
                "size": "Stretch",
            }
    return ProductBlocks(
        tuple(_encoded(block) for block in head),
        None if low is None else _encoded(low),
        None if chart is None else _encoded(chart),
        drop,
    )


def alert_card(
    alert: Alert,
    facts: AlertFacts = UNKNOWN,
    *,
    times: LocalTimes,
    chart: bool = True,
    details: bool = True,
    product: ProductBlocks | None = None,
) -> Card:
    """One alert's card. Without `chart` it has no image; without `details`, neither
    the rule nor the 90-day low (a message that must stay small). `product`: its
    product's blocks when made already (of its `drop_news`)."""
    card, _ = _alert_card(alert, facts, times, chart, details, product)
    return card


def encoded_alert_card(
    alert: Alert,
    facts: AlertFacts,
    *,
    times: LocalTimes,
    chart: bool,
    details: bool,
    product: ProductBlocks,
) -> tuple[Card, str]:
    """`alert_card` and its JSON (`json_text`): the product's blocks encoded once (in
    `product`), only the reader's own encoded here. A value's JSON is the same wherever
    it sits, so the card's is its blocks' put together."""
    card, blocks = _alert_card(alert, facts, times, chart, details, product)
    body = ",".join(
        block.json if block is not None else json_text(card["body"][n])
        for n, block in enumerate(blocks)
    )
    # "$schema", "type" and "version" come first and are constants: the first "body" is
    # the card's own.
    skeleton = json_text({**card, "body": 0})
    return card, skeleton.replace(_BODY_STAND_IN, f'"body":[{body}]', 1)


def _alert_card(
    alert: Alert,
    facts: AlertFacts,
    times: LocalTimes,
    chart: bool,
    details: bool,
    product: ProductBlocks | None,
) -> tuple[Card, list[Encoded | None]]:
    """The card, and each block of its body encoded when it is the product's (None for
    the reader's own: their rule, their claim, what their button did)."""
    if product is None:
        product = product_blocks(drop_news(alert, facts, times))
    blocks: list[Encoded | None] = list(product.head)
    body = [block.block for block in product.head]
    if product.drop is not None:
        rule = facts.rule
        if alert.kind is AlertKind.PROTECT:
            body.append(_text(texts.protection_words(alert, times), spacing="Small"))
            blocks.append(None)
        elif details and rule is not None and (fired := texts.rule_words(rule, alert.currency)):
            body.append(_text(f"Your alert: {fired}", spacing="Small"))
            blocks.append(None)
        shown = [product.low if details else None, product.chart if chart else None]
        for shared in shown:
            if shared is not None:
                body.append(shared.block)
                blocks.append(shared)
    if alert.card_done is not None:  # what the button did, instead of the buttons
        body.append(
            _text(f"✓ {alert.card_done}", weight="Bolder", color="Accent", spacing="Medium")
        )
        blocks.append(None)
        return _card(body, []), blocks
    return _card(body, _actions(alert, facts, product.drop)), blocks


def _shows_prices(news: DropNews) -> bool:
    """Alerts about a lower price, both prices known: their card shows the prices and
    the drop."""
    return news.kind in PRICE_KINDS and news.old_price is not None and news.new_price is not None


def json_text(value: object) -> str:
    """A card's JSON (or a message's holding cards) as sent: compact, and every
    character beyond ASCII escaped."""
    return _COMPACT_JSON.encode(value)


def json_chars(value: object) -> int:
    """The length of `json_text`."""
    return len(json_text(value))


def _encoded(block: Card) -> Encoded:
    return Encoded(block, json_text(block))


def compact_card(alerts: Sequence[Alert], name_chars: int) -> Card:
    """Every alert on one card, a line each: product, new price, drop."""
    body = [_text(texts.alerts_heading(alerts), weight="Bolder", size="Medium")]
    body += [_text(texts.compact_alert_line(alert, name_chars), spacing="None") for alert in alerts]
    return _card(body, [])


def _news(news: DropNews) -> str:
    if news.kind is AlertKind.UNAVAILABLE:
        return "Unavailable at the moment, so I've paused this watch."
    if news.kind is AlertKind.AVAILABLE and news.new_price is not None:
        price = texts.money(news.new_price, news.currency)
        return f"Available again at {price}, and I'm watching it again."
    if news.kind is AlertKind.AVAILABLE:
        return "Available again, and I'm watching it again."
    if news.kind is AlertKind.SHOP_SILENT:
        return texts.SHOP_SILENT_NEWS[:1].upper() + texts.SHOP_SILENT_NEWS[1:]
    price = "" if news.new_price is None else texts.money(news.new_price, news.currency)
    return f"Now {price}." if price else "Its price changed."


def _actions(alert: Alert, facts: AlertFacts, drop: PriceDrop | None) -> list[Card]:
    """The buttons; none once the watch is gone. A `drop` under a price rule offers all
    three; other news, and price protection, only Stop watching."""
    rule = facts.rule
    if rule is None:
        return []
    ids = {"watch_id": alert.watch_id, "version": facts.watch_version, "alert_id": alert.id}
    actions = [_submit("Stop watching", {"pricewatch": "stop", **ids})]
    if drop is None or alert.kind is AlertKind.PROTECT or is_protection(rule):
        return actions
    actions.append(_submit("Snooze 1 day", {"pricewatch": "snooze", **ids}))
    target = lowered_target(rule, drop)
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
