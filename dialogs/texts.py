"""Everything the bot says, composed in one place."""

from __future__ import annotations

from decimal import Decimal
from typing import Final, Mapping, Sequence

from domain.alert_facts import LOW_WINDOW_DAYS, UNKNOWN, AlertFacts, LowestPrice
from domain.alerts import Alert, AlertKind
from domain.local_times import LocalTimes
from domain.price_drops import PriceDrop, price_drop, protection_claim
from domain.rules import Rule, RuleKind, to_cents
from domain.watches import Watch

_SYMBOLS: Final = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}

GREETING: Final = (
    "Hi! I'm PriceWatch. Tell me what to watch and I'll message you when its price drops."
    ' Try "watch headphones 20%", or say "help".'
)


def help_text(default_drop: Decimal) -> str:
    """What the bot understands; `default_drop` is the drop the watch dialog offers."""
    return "\n".join(
        [
            "Here's what I understand:",
            "",
            "- **watch** – pick a product and a drop step by step",
            "- **watch headphones** – I ask how big a drop to wait for"
            f' ({default_drop:g}% if you say "default")',
            "- **watch headphones 20%** – watch a product for a 20% drop",
            "- **watch espresso machine below 300** – tell me when it costs 300 or less",
            "- **watch https://shop.example/item/123 20%** – watch a shop's product page (I"
            " read the price it publishes)",
            "- **list** – your watches, with current and trigger prices",
            "- **remove 2** or **remove headphones** – stop watching one",
            "- **history headphones** (or **history headphones 30d**) – its price chart, with"
            " the lowest, average and highest price",
            "- **why headphones** – what I saw and decided lately, and why you did or didn't"
            " get an alert",
            "- **pause headphones** / **resume headphones** (or **all**) – no alerts until"
            " you resume",
            "- **snooze headphones 2h** or **snooze all 1d** – no alerts for a while",
            "- **bought headphones at 179 within 14 days** – price protection: tell me if it"
            " gets cheaper than what you paid (30 days unless you say)",
            "- **quiet 22:00-07:00** / **quiet off** – alerts that come in at night wait and"
            " arrive together in the morning",
            "- **timezone Europe/Berlin** – the time zone of your quiet hours and of every time"
            " I tell you",
            "- **cancel** – leave whatever we're in the middle of",
            "",
            "I check prices regularly and message you once each time a price drops to your"
            " trigger; I'll tell you again only after it has gone back up and dropped again.",
        ]
    )


def not_your_alert(owner_name: str | None) -> str:
    """A group member's click on a button of another member's alert."""
    return (
        f"Sorry, this alert belongs to {_member(owner_name)}, so I've left it as it is."
        ' Say "list" to see your own watches.'
    )


def not_your_watch(owner_name: str | None) -> str:
    """A group member's answer to a question about another member's watch."""
    return (
        f"Sorry, that watch belongs to {_member(owner_name)}, so I've left it as it is."
        ' Say "list" to see your own watches.'
    )


def _member(name: str | None) -> str:
    return name.strip() if name and name.strip() else "another member"


FALLBACK: Final = 'Sorry, I didn\'t get that. Try "watch headphones 20%", "list" or "help".'
NO_TEXT: Final = 'I can only read text messages. Try "watch headphones 20%", "list" or "help".'
FEED_DOWN: Final = (
    "I can't reach the price feed right now, so I can't check prices. Please try again in a minute."
)
SOMETHING_WENT_WRONG: Final = "Sorry, something went wrong on my side. Please try that again."
NOTHING_TO_CANCEL: Final = 'There\'s nothing to cancel. Say "help" to see what I can do.'
CANCELLED: Final = "OK, cancelled."
STARTED_OVER: Final = (
    "Sorry, I lost track of our conversation, so let's start over."
    ' Your watches are safe: say "list" to see them.'
)


def money(amount: Decimal, currency: str) -> str:
    """An amount in whole cents, rounded as triggers are (half up)."""
    amount = to_cents(amount)
    symbol = _SYMBOLS.get(currency.upper())
    if symbol is None:
        return f"{amount:,.2f} {currency}"
    return f"{symbol}{amount:,.2f}"


def describe_rule(product_name: str, currency: str, rule: Rule) -> str:
    """The concrete promise: current price and the price that will trigger an alert."""
    now = money(rule.start_price, currency)
    trigger = money(rule.trigger_price, currency)
    if rule.kind is RuleKind.PERCENT:
        how = f"a {rule.threshold_percent:g}% drop"
    else:
        how = "your target"
    text = f"{product_name} is {now} now; I'll tell you when it is {trigger} or less ({how})."
    if rule.start_price <= rule.trigger_price:
        text += (
            f" It is already at or below {trigger}, so I'll tell you the next time it"
            " drops there after going back up."
        )
    return text


SHOP_SILENT_NEWS: Final = (
    "the shop has stopped answering me for a day (it may be blocking bots, or the page"
    " moved), so I don't know its price. I'll keep trying and tell you if it drops."
)


def watch_limit_reached(limit: int) -> str:
    watches = "watch" if limit == 1 else "watches"
    return (
        f"You already have {limit} {watches}, the most I keep for one person (watches in"
        ' your other chats with me count too). Say "list" and "remove <number>" to make room.'
    )


def watch_state(watch: Watch, times: LocalTimes) -> str:
    """What the watch does now, when it is anything but plainly active."""
    states = []
    now = times.now
    if watch.expires_at is not None:
        paid = money(watch.rule.start_price, watch.currency)
        if watch.expires_at <= now:
            states.append(f"price protection ended {times.at(watch.expires_at)} (you paid {paid})")
        else:
            states.append(f"price protection until {times.at(watch.expires_at)} (you paid {paid})")
    if watch.paused_by_user:
        states.append("paused by you")
    elif watch.snoozed_until is not None and watch.snoozed_until > now:
        states.append(f"snoozed until {times.at(watch.snoozed_until)}")
    if watch.paused:
        states.append("unavailable (paused until it's back)")
    return "".join(f"; {state}" for state in states)


def watch_line(number: int, watch: Watch, current: Decimal | None, times: LocalTimes) -> str:
    price = "price unavailable" if current is None else f"now {money(current, watch.currency)}"
    trigger = money(watch.rule.trigger_price, watch.currency)
    state = watch_state(watch, times)
    return f"{number}. **{watch.product_name}** – {price}, alert at {trigger} or less{state}"


def watch_list(
    watches: Sequence[Watch], prices: dict[str, Decimal | None], times: LocalTimes
) -> str:
    if not watches:
        return 'You\'re not watching anything yet. Try "watch headphones 20%".'
    lines = [watch_line(n, w, prices.get(w.product_id), times) for n, w in enumerate(watches, 1)]
    return "\n".join(["Your watches:", "", *lines])


def watch_label(number: int, watch: Watch) -> str:
    return f"{number}. {watch.product_name} ({money(watch.rule.trigger_price, watch.currency)})"


NAME_CHARS: Final = 200
"""The most of a product's name an alert shows: the feed's names have no bound."""


def shown_name(name: str, limit: int = NAME_CHARS) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def drop_words(drop: PriceDrop, currency: str) -> str:
    """ "down 25.0% ($50.00) from $199.99"; empty when the price did not go down."""
    if drop.amount <= 0:
        return ""
    percent = "less than 0.1%" if drop.percent == 0 else f"{drop.percent}%"
    return f"down {percent} ({money(drop.amount, currency)}) from {money(drop.old, currency)}"


def rule_words(rule: Rule, currency: str) -> str | None:
    """The rule that fired: "20% below $199.99", "below $300.00"; None for price
    protection, whose alert says what may be claimed instead."""
    if rule.kind is RuleKind.PERCENT and rule.threshold_percent is not None:
        return f"{rule.threshold_percent:g}% below {money(rule.start_price, currency)}"
    if rule.kind is RuleKind.BELOW:
        return f"below {money(rule.trigger_price, currency)}"
    return None


def protection_words(alert: Alert, times: LocalTimes) -> str:
    """A price protection alert's claim: its old price is the price paid."""
    assert alert.old_price is not None and alert.new_price is not None
    paid = money(alert.old_price, alert.currency)
    claim = money(protection_claim(alert.old_price, alert.new_price), alert.currency)
    until = (
        ""
        if alert.protected_until is None
        else f" (price protection until {times.at(alert.protected_until)})"
    )
    return f"You paid {paid}: you may be able to claim {claim} back{until}"


def low_words(low: LowestPrice, new_price: Decimal, currency: str, times: LocalTimes) -> str:
    """ "Lowest in 90 days: $139.99 (Oct 3)", or "(now)" when the new price is the low."""
    if to_cents(low.price) >= to_cents(new_price):
        return f"Lowest in {LOW_WINDOW_DAYS} days: {money(new_price, currency)} (now)"
    when = times.day(low.at)
    return f"Lowest in {LOW_WINDOW_DAYS} days: {money(low.price, currency)} ({when})"


def alert_line(
    alert: Alert, times: LocalTimes, facts: AlertFacts = UNKNOWN, name_chars: int = NAME_CHARS
) -> str:
    name = f"**{shown_name(alert.product_name, name_chars)}**"
    if alert.kind is AlertKind.UNAVAILABLE:
        return f"{name} is unavailable at the moment, so I've paused that watch"
    if alert.kind is AlertKind.AVAILABLE:
        price = "" if alert.new_price is None else f" at {money(alert.new_price, alert.currency)}"
        return f"{name} is available again{price}, and I'm watching it again"
    if alert.kind is AlertKind.SHOP_SILENT:
        return f"{name}: {SHOP_SILENT_NEWS}"
    assert alert.old_price is not None and alert.new_price is not None
    line = f"{name} is now {money(alert.new_price, alert.currency)}"
    if alert.kind is AlertKind.PROTECT:
        return f"{line}. {protection_words(alert, times)}"
    rule = facts.rule
    drop = drop_words(price_drop(alert.old_price, alert.new_price), alert.currency)
    if drop:
        line += f", {drop}"
    fired = None if rule is None else rule_words(rule, alert.currency)
    return line if fired is None else f"{line} (your alert: {fired})"


def compact_alert_line(alert: Alert, name_chars: int) -> str:
    """An alert in a few words, for a message that must stay small."""
    name = f"**{shown_name(alert.product_name, name_chars)}**"
    if alert.kind is AlertKind.UNAVAILABLE:
        return f"{name} unavailable"
    if alert.kind is AlertKind.SHOP_SILENT:
        return f"{name}: the shop stopped answering"
    if alert.new_price is None:
        return name
    line = f"{name} {money(alert.new_price, alert.currency)}"
    if alert.kind in (AlertKind.DROP, AlertKind.PROTECT) and alert.old_price is not None:
        drop = price_drop(alert.old_price, alert.new_price)
        if drop.amount > 0:
            line += f", down {drop.percent}%"
    return line


def alerts_message(
    alerts: Sequence[Alert], times: LocalTimes, facts: Mapping[int, AlertFacts] | None = None
) -> str:
    """One message for everything a conversation has waiting: the text of the alert
    message, which channels without cards show alone."""
    facts = facts or {}
    if len(alerts) == 1:
        alert = alerts[0]
        line = alert_line(alert, times, facts.get(alert.id, UNKNOWN))
        if alert.kind is not AlertKind.DROP:
            return f"{_ICONS[alert.kind]} {line}."
        return (
            f"📉 Price drop: {line}."
            f' Say "remove {shown_name(alert.product_name)}" to stop watching it.'
        )
    lines = [f"- {_ICONS[a.kind]} {alert_line(a, times, facts.get(a.id, UNKNOWN))}" for a in alerts]
    return _several(alerts, lines)


def compact_alerts_message(alerts: Sequence[Alert], name_chars: int) -> str:
    """`alerts_message` in as few words as every alert can have."""
    lines = [f"- {_ICONS[alert.kind]} {compact_alert_line(alert, name_chars)}" for alert in alerts]
    if len(alerts) == 1:
        return lines[0][2:]
    return _several(alerts, lines)


def alerts_heading(alerts: Sequence[Alert]) -> str:
    drops = sum(alert.kind in (AlertKind.DROP, AlertKind.PROTECT) for alert in alerts)
    if len(alerts) == 1:
        return "📉 Price drop" if drops else "📣 News about your watch"
    if drops == len(alerts):
        return f"📉 Price drops on {drops} of your watches"
    return "📣 News about your watches"


def _several(alerts: Sequence[Alert], lines: list[str]) -> str:
    return "\n".join(
        [
            alerts_heading(alerts) + ":",
            "",
            *lines,
            "",
            'Say "list" to see your watches, or "remove <number>" to stop watching one.',
        ]
    )


_ICONS: Final = {
    AlertKind.DROP: "📉",
    AlertKind.UNAVAILABLE: "⚠️",
    AlertKind.AVAILABLE: "✅",
    AlertKind.PROTECT: "💸",
    AlertKind.SHOP_SILENT: "⚠️",
}
