"""Everything the bot says, composed in one place."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Final, Sequence

from domain.alerts import Alert, AlertKind
from domain.rules import Rule, RuleKind, drop_percent
from domain.watches import Watch

_SYMBOLS: Final = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}

GREETING: Final = (
    "Hi! I'm PriceWatch. Tell me what to watch and I'll message you when its price drops."
    ' Try "watch headphones 20%", or say "help".'
)

HELP: Final = "\n".join(
    [
        "Here's what I understand:",
        "",
        "- **watch** – pick a product and a drop step by step",
        "- **watch headphones 20%** – watch a product for a 20% drop (20% if you leave it out)",
        "- **watch espresso machine below 300** – tell me when it costs 300 or less",
        "- **list** – your watches, with current and trigger prices",
        "- **remove 2** or **remove headphones** – stop watching one",
        "- **pause headphones** / **resume headphones** (or **all**) – no alerts until you resume",
        "- **snooze headphones 2h** or **snooze all 1d** – no alerts for a while",
        "- **bought headphones at 179 within 14 days** – price protection: tell me if it gets"
        " cheaper than what you paid (30 days unless you say)",
        "- **cancel** – leave whatever we're in the middle of",
        "",
        "I check prices regularly and message you once each time a price drops to your"
        " trigger; I'll tell you again only after it has gone back up and dropped again.",
    ]
)

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


def watch_limit_reached(limit: int) -> str:
    watches = "watch" if limit == 1 else "watches"
    return (
        f"You already have {limit} {watches}, the most I keep for one person (watches in"
        ' your other chats with me count too). Say "list" and "remove <number>" to make room.'
    )


def moment(at: datetime) -> str:
    """A moment as users read it (UTC for now; a user's zone can come in here)."""
    return at.strftime("%Y-%m-%d %H:%M UTC")


def watch_state(watch: Watch, now: datetime | None) -> str:
    """What the watch does now, when it is anything but plainly active."""
    states = []
    if watch.expires_at is not None:
        paid = money(watch.rule.start_price, watch.currency)
        if now is not None and watch.expires_at <= now:
            states.append(f"price protection ended {moment(watch.expires_at)} (you paid {paid})")
        else:
            states.append(f"price protection until {moment(watch.expires_at)} (you paid {paid})")
    if watch.paused_by_user:
        states.append("paused by you")
    elif watch.snoozed_until is not None and (now is None or watch.snoozed_until > now):
        states.append(f"snoozed until {moment(watch.snoozed_until)}")
    if watch.paused:
        states.append("unavailable (paused until it's back)")
    return "".join(f"; {state}" for state in states)


def watch_line(
    number: int, watch: Watch, current: Decimal | None, now: datetime | None = None
) -> str:
    price = "price unavailable" if current is None else f"now {money(current, watch.currency)}"
    trigger = money(watch.rule.trigger_price, watch.currency)
    state = watch_state(watch, now)
    return f"{number}. **{watch.product_name}** – {price}, alert at {trigger} or less{state}"


def watch_list(
    watches: Sequence[Watch], prices: dict[str, Decimal | None], now: datetime | None = None
) -> str:
    if not watches:
        return 'You\'re not watching anything yet. Try "watch headphones 20%".'
    lines = [watch_line(n, w, prices.get(w.product_id), now) for n, w in enumerate(watches, 1)]
    return "\n".join(["Your watches:", "", *lines])


def watch_label(number: int, watch: Watch) -> str:
    return f"{number}. {watch.product_name} ({money(watch.rule.trigger_price, watch.currency)})"


def alert_line(alert: Alert) -> str:
    name = f"**{alert.product_name}**"
    if alert.kind is AlertKind.UNAVAILABLE:
        return f"{name} is unavailable at the moment, so I've paused that watch"
    if alert.kind is AlertKind.AVAILABLE:
        price = "" if alert.new_price is None else f" at {money(alert.new_price, alert.currency)}"
        return f"{name} is available again{price}, and I'm watching it again"
    assert alert.old_price is not None and alert.new_price is not None
    if alert.kind is AlertKind.PROTECT:
        back = money(alert.old_price - alert.new_price, alert.currency)
        return (
            f"{name} is now {money(alert.new_price, alert.currency)}, {back} less than the"
            f" {money(alert.old_price, alert.currency)} you paid: you may be able to claim"
            f" {back} back{_protected(alert)}"
        )
    drop = drop_percent(alert.old_price, alert.new_price)
    return (
        f"{name} is now {money(alert.new_price, alert.currency)},"
        f" down {drop}% from {money(alert.old_price, alert.currency)}"
    )


def _protected(alert: Alert) -> str:
    if alert.protected_until is None:
        return ""
    return f" (price protection until {moment(alert.protected_until)})"


def alerts_message(alerts: Sequence[Alert]) -> str:
    """One message for everything a conversation has waiting."""
    if len(alerts) == 1:
        alert = alerts[0]
        if alert.kind not in (AlertKind.DROP, AlertKind.PROTECT):
            return f"{_ICONS[alert.kind]} {alert_line(alert)}."
        return (
            f"📉 Price drop: {alert_line(alert)}."
            f' Say "remove {alert.product_name}" to stop watching it.'
        )
    drops = sum(alert.kind in (AlertKind.DROP, AlertKind.PROTECT) for alert in alerts)
    heading = (
        f"📉 Price drops on {drops} of your watches:"
        if drops == len(alerts)
        else "📣 News about your watches:"
    )
    lines = [f"- {_ICONS[alert.kind]} {alert_line(alert)}" for alert in alerts]
    return "\n".join(
        [
            heading,
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
}
