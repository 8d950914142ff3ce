"""Everything the bot says, composed in one place.

One wording per situation: a situation several commands meet (nothing watched, no watch
or product matching the words, several matching, a number outside the list, a question
that could not be read) is said by one constant or function here, and only here
(tests/dialogs/test_texts.py holds every other module to it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Final, Mapping, Sequence

from domain.alert_facts import (
    LOW_WINDOW_DAYS,
    UNKNOWN,
    AlertFacts,
    DropNews,
    LowestPrice,
    drop_news,
)
from domain.alerts import Alert, AlertKind
from domain.departures import DEPARTURE_WHY, Departure
from domain.local_times import LocalDays, LocalTimes
from domain.personal_data import PersonalData
from domain.price_drops import PriceDrop, price_drop, protection_claim
from domain.rules import Rule, RuleKind, to_cents
from domain.sleep import Sleep
from domain.watch_changes import Change, SleepChange
from domain.watches import Watch

_SYMBOLS: Final = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}

GREETING: Final = (
    "Hi! I'm PriceWatch. Tell me what to watch and I'll message you when its price drops."
    ' Try "watch headphones 20%", or say "help".'
)


@dataclass(frozen=True)
class HelpLine:
    """A line of `help`: what you can say (Markdown, each example in bold) and what it does."""

    says: str
    does: str
    in_menu: bool = False
    """Its first example is also in the command menu Teams shows (teamsapp/ builds it):
    at most 10 lines, examples of at most 32 characters, `does` of at most 128."""

    @property
    def example(self) -> str:
        """The first example, as said: what the command menu puts in the message box."""
        return self.says.split("**")[1]


def help_lines(default_drop: Decimal) -> tuple[HelpLine, ...]:
    """What the bot understands; `default_drop` is the drop the watch dialog offers."""
    return (
        HelpLine("**watch**", "pick a product and a drop step by step", in_menu=True),
        HelpLine(
            "**watch headphones**",
            f'I ask how big a drop to wait for ({default_drop:g}% if you say "default")',
        ),
        HelpLine("**watch headphones 20%**", "watch a product for a 20% drop", in_menu=True),
        HelpLine("**watch espresso machine below 300**", "tell me when it costs 300 or less"),
        HelpLine(
            "**watch https://shop.example/item/123 20%**",
            "watch a shop's product page (I read the price it publishes)",
        ),
        HelpLine("**list**", "your watches, with current and trigger prices", in_menu=True),
        HelpLine("**remove 2** or **remove headphones**", "stop watching one", in_menu=True),
        HelpLine(
            "**history headphones** (or **history headphones 30d**)",
            "its price chart, with the lowest, average and highest price",
            in_menu=True,
        ),
        HelpLine(
            "**why headphones**",
            "what I saw and decided lately, and why you did or didn't get an alert",
            in_menu=True,
        ),
        HelpLine(
            "**pause headphones** / **resume headphones** (or **all**)",
            "no alerts until you resume",
            in_menu=True,
        ),
        HelpLine(
            "**snooze headphones 2h** or **snooze all 1d**",
            "no alerts for a while",
            in_menu=True,
        ),
        HelpLine(
            "**bought headphones at 179 within 14 days**",
            "price protection: tell me if it gets cheaper than what you paid (30 days unless"
            " you say)",
        ),
        HelpLine(
            "**quiet 22:00-07:00** / **quiet off**",
            "alerts that come in at night wait and arrive together in the morning",
            in_menu=True,
        ),
        HelpLine(
            "**timezone Europe/Berlin**",
            "the time zone of your quiet hours and of every time I tell you",
        ),
        HelpLine(
            "**forget me**",
            "delete everything I hold about you, in every chat with me (I ask first)",
        ),
        HelpLine("**cancel**", "leave whatever we're in the middle of", in_menu=True),
    )


def help_text(default_drop: Decimal) -> str:
    """What the bot understands; `default_drop` is the drop the watch dialog offers."""
    return "\n".join(
        [
            "Here's what I understand:",
            "",
            *(f"- {line.says} – {line.does}" for line in help_lines(default_drop)),
            "",
            "I check prices regularly and message you once each time a price drops to your"
            " trigger; I'll tell you again only after it has gone back up and dropped again.",
        ]
    )


def command_menu(default_drop: Decimal) -> tuple[tuple[str, str], ...]:
    """The command menu Teams shows (teamsapp/): (the example it puts in the message box,
    what it does), taken from help's lines so the two say the same."""
    return tuple((line.example, line.does) for line in help_lines(default_drop) if line.in_menu)


def not_your_alert(owner_name: str | None) -> str:
    """A group member's click on a button of another member's alert."""
    return (
        f"Sorry, this alert belongs to {_member(owner_name)}, so I've left it as it is."
        ' Say "list" to see your own watches.'
    )


CARD_OUT_OF_DATE: Final = (
    "That card is out of date: you've changed this watch since, so I've left it as it is."
    ' Say "list" to see your watches as they are now.'
)
"""A card's button pressed after its watch's owner changed the watch (`user_version`)."""
CARD_STOPPED: Final = "Stopped watching."
"""What a card whose Stop watching was pressed says instead of its buttons."""


def card_snoozed(until: datetime, times: LocalTimes) -> str:
    """What a card whose Snooze was pressed says instead of its buttons."""
    return f"Snoozed until {times.at(until)}."


def card_lowered(watch: Watch) -> str:
    """What a card whose Lower my target was pressed says instead of its buttons."""
    said = f"Target lowered to {money(watch.rule.trigger_price, watch.currency)}."
    if not watch.state.armed:
        said += " The price is at or below it now: I'll tell you when it drops there again."
    return said


def already_snoozed(name: str, until: datetime, times: LocalTimes) -> str:
    return f"{md(name)} is already snoozed until {times.at(until)}."


def target_already(name: str, trigger: Decimal, currency: str) -> str:
    return f"Your target for {md(name)} is already {money(trigger, currency)}."


def target_lowered(name: str, watch: Watch) -> str:
    """The reply to Lower my target: the new trigger, and when it is reached already."""
    trigger = money(watch.rule.trigger_price, watch.currency)
    reply = f"OK, I'll tell you when {md(name)} is {trigger} or less."
    if not watch.state.armed:
        reply += (
            " It is at or below that now, so I'll tell you the next time it drops there"
            " after going back up."
        )
    return reply


def target_too_low(name: str, lowest: Decimal, currency: str) -> str:
    """A "Lower my target" button asking for less than half the price now."""
    return (
        f"I won't lower the target for {md(name)} under {money(lowest, currency)}, half its"
        f' price now. To choose another, say "watch {md(name)} below" and the price.'
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


_MARKDOWN: Final = re.compile(r"([\\`*_\[\]<>~|#])")


def md(text: str) -> str:
    """Text from outside (a product's name, the user's words) escaped for Markdown, which
    Bot Framework channels render in a message's text: "**Pro** case" shows its stars."""
    return _MARKDOWN.sub(r"\\\1", text)


QUOTE_CHARS: Final = 60


def quoted(text: str, limit: int = QUOTE_CHARS) -> str:
    """The user's words as a reply quotes them: cut to `limit`, escaped."""
    return md(text if len(text) <= limit else text[:limit] + "…")


# Situations several commands meet: one wording each.
NO_WATCHES: Final = 'You\'re not watching anything yet. Try "watch headphones 20%".'
NUMBERS_START_AT_1: Final = 'Watch numbers start at 1: say "list" to see them.'
OR_CANCEL: Final = 'Or say "cancel" to stop.'
"""Ends every question asked again after an answer that could not be read."""


def say_which_watch(verb: str, all_too: bool = True) -> str:
    also = f', "{verb} 2" or "{verb} all"' if all_too else f' or "{verb} 2"'
    return f'Say which watch, like "{verb} headphones"{also}.'


SAY_SNOOZE: Final = (
    'Say which watch and for how long, like "snooze headphones 2h" or "snooze all 1d".'
)


def watch_count(count: int) -> str:
    return f"{count} watch" + ("" if count == 1 else "es")


def no_such_number(count: int) -> str:
    return (
        f'You have {watch_count(count)}: say a number from 1 to {count} (say "list" to see them).'
    )


def no_watch_matches(query: str) -> str:
    return f'None of your watches matches "{quoted(query)}". Say "list" to see them.'


def several_watches_match(labels: Sequence[str], example: str) -> str:
    """`labels`: the matching watches as `watch_label` shows them; `example`: how to say
    one by its number ("why 2")."""
    listed = "\n".join(f"- {md(label)}" for label in labels)
    return f'Several of your watches match; say which by its number, like "{example}":\n\n{listed}'


def no_product_matches(query: str) -> str:
    return f'I couldn\'t find "{quoted(query)}".'


def several_products_match(query: str) -> str:
    return f'Several products match "{quoted(query)}".'


ALREADY_GONE: Final = "That watch was already gone."


def stopped_watching(name: str) -> str:
    return f"OK, I've stopped watching {md(name)}."


@lru_cache(maxsize=4096)
def money(amount: Decimal, currency: str) -> str:
    """An amount in whole cents, rounded as triggers are (half up). Kept for a while:
    every recipient of one drop is told the same few amounts."""
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
    text = f"{md(product_name)} is {now} now; I'll tell you when it is {trigger} or less ({how})."
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
    if watch.left_at is not None and watch.left_why is not None:
        states.append(
            f"stopped {times.at(watch.left_at)} because {DEPARTURE_WHY[watch.left_why]}"
            f' (say "resume {md(watch.product_name)}" to start it again)'
        )
    elif watch.paused_by_user:
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
    return f"{number}. **{md(watch.product_name)}** – {price}, alert at {trigger} or less{state}"


def watch_list(
    watches: Sequence[Watch], prices: dict[str, Decimal | None], times: LocalTimes
) -> str:
    if not watches:
        return NO_WATCHES
    lines = [watch_line(n, w, prices.get(w.product_id), times) for n, w in enumerate(watches, 1)]
    return "\n".join(["Your watches:", "", *lines])


def watch_label(number: int, watch: Watch) -> str:
    return f"{number}. {watch.product_name} ({money(watch.rule.trigger_price, watch.currency)})"


NAME_CHARS: Final = 200
"""The most of a product's name an alert shows: the feed's names have no bound."""


def shown_name(name: str, limit: int = NAME_CHARS) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


@lru_cache(maxsize=1024)
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


def low_words(low: LowestPrice, new_price: Decimal, currency: str, days: LocalDays) -> str:
    """ "Lowest in 90 days: $139.99 (Oct 3)", or "(now)" when the new price is the low."""
    if to_cents(low.price) >= to_cents(new_price):
        return f"Lowest in {LOW_WINDOW_DAYS} days: {money(new_price, currency)} (now)"
    when = days.day(low.at)
    return f"Lowest in {LOW_WINDOW_DAYS} days: {money(low.price, currency)} ({when})"


@dataclass(frozen=True)
class ProductWords:
    """An alert's text as far as it is the same for everyone one drop alerts (made of its
    `DropNews` alone): its line up to the reader's own words, and how a message of that
    alert alone ends."""

    line: str
    """ "**Headphones** is now $149.99, down 25.0% ($50.00) from $199.99"."""
    alone_end: str
    """ '. Say "remove Headphones" to stop watching it.' after a drop; "." after other news."""


def product_words(news: DropNews) -> ProductWords:
    name = md(shown_name(news.product_name))
    alone_end = (
        f'. Say "remove {name}" to stop watching it.' if news.kind is AlertKind.DROP else "."
    )
    return ProductWords(_product_line(f"**{name}**", news), alone_end)


def _product_line(name: str, news: DropNews) -> str:
    if news.kind is AlertKind.UNAVAILABLE:
        return f"{name} is unavailable at the moment, so I've paused that watch"
    if news.kind is AlertKind.AVAILABLE:
        price = "" if news.new_price is None else f" at {money(news.new_price, news.currency)}"
        return f"{name} is available again{price}, and I'm watching it again"
    if news.kind is AlertKind.SHOP_SILENT:
        return f"{name}: {SHOP_SILENT_NEWS}"
    assert news.old_price is not None and news.new_price is not None
    line = f"{name} is now {money(news.new_price, news.currency)}"
    if news.kind is AlertKind.PROTECT:
        return line
    drop = drop_words(price_drop(news.old_price, news.new_price), news.currency)
    return f"{line}, {drop}" if drop else line


def your_words(alert: Alert, times: LocalTimes, facts: AlertFacts = UNKNOWN) -> str:
    """What an alert's line says of the reader's own watch, after its `ProductWords.line`:
    the rule that fired, or what their price protection may claim."""
    if alert.kind is AlertKind.PROTECT:
        return f". {protection_words(alert, times)}"
    fired = None
    if alert.kind is AlertKind.DROP and facts.rule is not None:
        fired = rule_words(facts.rule, alert.currency)
    return "" if fired is None else f" (your alert: {fired})"


def compact_alert_line(alert: Alert | DropNews, name_chars: int) -> str:
    """An alert in a few words, for a message that must stay small."""
    name = f"**{md(shown_name(alert.product_name, name_chars))}**"
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
    alerts: Sequence[Alert],
    times: LocalTimes,
    facts: Mapping[int, AlertFacts] | None = None,
    products: Sequence[ProductWords] | None = None,
) -> str:
    """One message for everything a conversation has waiting: the text of the alert
    message, which channels without cards show alone. `products`: each alert's
    `ProductWords` when made already (of its `DropNews`), in the alerts' order."""
    facts = facts or {}
    if products is None:
        products = [product_words(drop_news(alert, UNKNOWN, times)) for alert in alerts]
    lines = [
        product.line + your_words(alert, times, facts.get(alert.id, UNKNOWN))
        for alert, product in zip(alerts, products)
    ]
    if len(alerts) == 1:
        kind = alerts[0].kind
        opening = "📉 Price drop:" if kind is AlertKind.DROP else _ICONS[kind]
        return f"{opening} {lines[0]}{products[0].alone_end}"
    return _several(alerts, [f"- {_ICONS[a.kind]} {line}" for a, line in zip(alerts, lines)])


def compact_alerts_message(alerts: Sequence[Alert], name_chars: int) -> str:
    """`alerts_message` in as few words as every alert can have."""
    lines = [f"- {_ICONS[alert.kind]} {compact_alert_line(alert, name_chars)}" for alert in alerts]
    if len(alerts) == 1:
        return lines[0][2:]
    return _several(alerts, lines)


def alerts_heading(alerts: Sequence[Alert | DropNews]) -> str:
    drops = sum(alert.kind in (AlertKind.DROP, AlertKind.PROTECT) for alert in alerts)
    if len(alerts) == 1:
        return "📉 Price drop" if drops else "📣 News about your watch"
    if drops == len(alerts):
        return f"📉 Price drops on {drops} of your watches"
    return "📣 News about your watches"


def alert_summary(news: DropNews, name_chars: int) -> str:
    """The summary of a message of this alert alone (Teams shows it in its notification)."""
    line = compact_alert_line(news, name_chars).replace("**", "")
    return f"{alerts_heading([news])}: {line}"


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


def _sleep_line(verb: str, change: SleepChange, times: LocalTimes) -> str:
    """What `pause`, `snooze` or `resume` did to one watch, exactly."""
    watch = change.watch
    name = md(watch.product_name)
    gone = "it is unavailable at the moment: I'll tell you when it's back"
    if verb == "pause":
        if not change.changed:
            return f'{name} is already paused; say "resume {name}" to hear about it again.'
        was = (
            f" (instead of snoozed until {times.at(change.snoozed_until_before)})"
            if change.before is Sleep.SNOOZED and change.snoozed_until_before is not None
            else ""
        )
        return f'OK, I\'ve paused {name}{was} until you say "resume {name}".'
    if verb == "snooze":
        assert watch.snoozed_until is not None
        until = times.at(watch.snoozed_until)
        if change.before is Sleep.PAUSED:
            return f"OK, {name} is no longer paused: I've snoozed it until {until} instead."
        if change.before is Sleep.SNOOZED and change.snoozed_until_before is not None:
            before = times.at(change.snoozed_until_before)
            return f"OK, I've snoozed {name} until {until} (instead of {before})."
        return f"OK, I've snoozed {name} until {until}."
    if not change.changed:
        if change.unavailable:
            return f"{name} wasn't paused or snoozed, but {gone}."
        return f"{name} wasn't paused or snoozed: I'm alerting you about it as usual."
    if change.unavailable:
        return f"OK, I've resumed {name}, but {gone}."
    return f"OK, I've resumed {name} and I'll alert you as usual."


_ALL_SAID: Final = {
    (
        "pause",
        Sleep.AWAKE,
        Sleep.PAUSED,
    ): 'OK, I\'ve paused all {n} of your watches until you say "resume all".',
    ("pause", Sleep.PAUSED, Sleep.PAUSED): "All {n} of your watches are paused already.",
    (
        "resume",
        Sleep.PAUSED,
        Sleep.AWAKE,
    ): "OK, I've resumed all {n} of your watches and I'll alert you as usual.",
    (
        "resume",
        Sleep.SNOOZED,
        Sleep.AWAKE,
    ): "OK, I've resumed all {n} of your watches and I'll alert you as usual.",
    (
        "resume",
        Sleep.LEFT,
        Sleep.AWAKE,
    ): "OK, I've resumed all {n} of your watches and I'll alert you as usual.",
    (
        "resume",
        Sleep.AWAKE,
        Sleep.AWAKE,
    ): "None of your {n} watches was paused or snoozed: I'm alerting you as usual.",
    (
        "snooze",
        Sleep.AWAKE,
        Sleep.SNOOZED,
    ): "OK, I've snoozed all {n} of your watches until {until}.",
}


def sleep_reply(verb: str, changes: Sequence[SleepChange], times: LocalTimes) -> str:
    """The reply to `pause`, `snooze` or `resume` ("pause all" too): what it did to each
    watch; one sentence when it did the same to all of them."""
    if len(changes) == 1:
        return _sleep_line(verb, changes[0], times)
    kinds = {(verb, c.before, c.after) for c in changes}
    same = len(kinds) == 1 and not any(c.unavailable for c in changes)
    said = _ALL_SAID.get(next(iter(kinds))) if same else None
    if said is not None:
        until = changes[0].watch.snoozed_until
        return said.format(n=len(changes), until="" if until is None else times.at(until))
    return "\n".join(f"- {_sleep_line(verb, change, times)}" for change in changes)


def protection_reply(change: Change, current: Decimal | None, times: LocalTimes) -> str:
    """What `bought` did: a new price protection, or the one the person had, renewed."""
    watch = change.after
    assert watch.expires_at is not None
    name = md(watch.product_name)
    paid = money(watch.rule.start_price, watch.currency)
    reply = (
        f"OK: until {times.at(watch.expires_at)} I'll tell you if {name} gets"
        f" cheaper than the {paid} you paid (price protection)."
    )
    before = change.before
    if before.id == watch.id and before != watch and before.expires_at is not None:
        was = money(before.rule.start_price, before.currency)
        reply += (
            f" It replaces the one you had ({was} paid, until {times.at(before.expires_at)}):"
            " one protection per product."
        )
    if current is not None and current <= watch.rule.trigger_price:
        back = money(protection_claim(watch.rule.start_price, current), watch.currency)
        reply += (
            f" It is {money(current, watch.currency)} already: you may be able to"
            f" claim {back} back."
        )
    return reply


NOT_WATCHED: Final = "OK, I won't watch it."
LEFT_AS_IT_WAS: Final = "OK, I've left it as it was."


def already_watching(watch: Watch) -> str:
    """A second `watch` of a product: what the person has (one watch per product)."""
    trigger = money(watch.rule.trigger_price, watch.currency)
    how = (
        f"a {watch.rule.threshold_percent:g}% drop"
        if watch.rule.kind is RuleKind.PERCENT
        else "your target"
    )
    return (
        f"You're already watching {md(watch.product_name)}: I'll tell you when it is"
        f" {trigger} or less ({how})."
    )


def _names(watches: Sequence[Watch]) -> str:
    """ "headphones", "headphones and monitor", "headphones, monitor and kettle"."""
    names = [md(watch.product_name) for watch in watches]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _kept_until(deleted_after: datetime | None, times: LocalTimes) -> str:
    return "" if deleted_after is None else f" after {times.at(deleted_after)}"


def welcome_back(
    stopped: Sequence[Watch], deleted_after: datetime | None, times: LocalTimes, group: bool
) -> str:
    """A reinstall's greeting when the bot kept watches it stopped on leaving: it offers to
    resume them (`resume all`); in a group each member's are their own."""
    kept = _kept_until(deleted_after, times)
    if not group:
        them = "it" if len(stopped) == 1 else "them"
        return (
            f"Hi again! I'm PriceWatch. When I left this chat I stopped your"
            f" {watch_count(len(stopped))} ({_names(stopped)}) and kept {them}."
            f' Say "resume all" to start {them} again, or "list" to see {them};'
            f" otherwise I'll delete {them}{kept}."
        )
    owners: dict[str, int] = {}
    for watch in stopped:
        owner = _member(watch.owner_name)
        owners[owner] = owners.get(owner, 0) + 1
    whose = ", ".join(f"{md(owner)}: {n}" for owner, n in owners.items())
    them = "it" if len(stopped) == 1 else "them"
    return (
        f"Hi again! I'm PriceWatch. When I left this chat I stopped"
        f" {watch_count(len(stopped))} and kept {them} ({whose})."
        f' Each of you can say "resume all" to start yours again, or "list" to see them;'
        f" otherwise I'll delete {them}{kept}."
    )


def welcome_back_member(
    name: str | None, stopped: Sequence[Watch], deleted_after: datetime | None, times: LocalTimes
) -> str:
    """A member back in a group where the bot kept the watches it stopped when they left."""
    them = "it" if len(stopped) == 1 else "them"
    return (
        f"Welcome back, {md(_member(name))}! When you left this chat I stopped your"
        f" {watch_count(len(stopped))} ({_names(stopped)}) and kept {them}."
        f' Say "resume all" to start {them} again; otherwise I\'ll delete {them}'
        f"{_kept_until(deleted_after, times)}."
    )


def stopped_because(departure: Departure) -> str:
    """What `why` says happened when a watch stopped."""
    return f"stopped: {DEPARTURE_WHY[departure]}"


def forget_question(held: PersonalData) -> str:
    """`forget me` asks first, saying what goes."""
    watches = ""
    if held.watches:
        alerts = f" with their {alert_count(held.alerts)}" if held.alerts else ""
        watches = f"your {watch_count(held.watches)}{alerts}, "
    return (
        "Shall I forget you? I'd delete everything I hold about you, in every chat with me:"
        f" {watches}your settings (quiet hours, time zone) and the records that let me"
        ' message you. This can\'t be undone. Say "yes" to delete it all, or "no".'
    )


FORGET_RETRY: Final = (
    f'Please say "yes" to delete everything I hold about you, or "no". {OR_CANCEL}'
)
FORGET_NOT_YOURS: Final = (
    'That question is for whoever said "forget me": only they can answer it, and it'
    " deletes their data, not yours."
)
FORGET_KEPT: Final = "OK, I've deleted nothing: your watches and settings stay as they are."


def alert_count(count: int) -> str:
    return f"{count} alert" + ("" if count == 1 else "s")


def forgotten(deleted: PersonalData) -> str:
    """What `forget me` deleted: "I deleted 3 watches, 5 alerts and your settings"."""
    if deleted.nothing:
        return (
            "Done. I held no watches, alerts or settings of yours, and now I hold nothing"
            " about you. If you write to me again, I'll start afresh."
        )
    parts = [
        *([watch_count(deleted.watches)] if deleted.watches else []),
        *([alert_count(deleted.alerts)] if deleted.alerts else []),
        *(["your settings"] if deleted.settings else []),
    ]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return (
        f"Done: I deleted {listed}, and now I hold nothing about you."
        " If you write to me again, I'll start afresh."
    )
