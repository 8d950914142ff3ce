"""`bought headphones at 179 [within 14 days]`: price protection for the return window, an
alert if the price goes below what was paid."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from dialogs import texts
from dialogs.commands.command import Entry, Turn
from dialogs.commands.drops import parse_price
from dialogs.commands.words import CommandError, shorten
from dialogs.keys import user_id, user_name
from feed.client import FeedError
from watchers.watchlist import WatchLimitReached

DEFAULT_PROTECTION_DAYS: Final = 30
MAX_PROTECTION_DAYS: Final = 365
_BOUGHT: Final = re.compile(
    r"(?P<query>.+?)\s+(?:at|for)\s+(?P<paid>\S+)(?:\s+within\s+(?P<days>\S+)\s+days?)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BoughtCommand:
    query: str
    paid: Decimal
    days: int

    async def handle(self, turn: Turn) -> None:
        await turn.say(await self._protect(turn))

    async def _protect(self, turn: Turn) -> str:
        catalog, watchlist = turn.services.catalog, turn.services.watchlist
        try:
            matches = await catalog.find(self.query)
        except FeedError:
            return texts.FEED_DOWN
        if not matches:
            shown = self.query[:60] + ("…" if len(self.query) > 60 else "")
            return f'I don\'t know a product called "{shown}". Say "watch" to see the ones I know.'
        if len(matches) > 1:
            names = ", ".join(product.name for product in matches[:10])
            return (
                f"Which one did you buy: {names}? Say it with more of its name, like"
                f' "bought {matches[0].name} at {self.paid}".'
            )
        product = matches[0]
        try:
            current = await watchlist.current_price(product.id)
        except FeedError:
            current = None
        try:
            watch = await watchlist.protect(
                turn.conversation,
                user_id(turn.context.activity),
                product,
                self.paid,
                self.days,
                current,
                owner_name=user_name(turn.context.activity),
            )
        except WatchLimitReached as limit:
            return texts.watch_limit_reached(limit.limit)
        assert watch.expires_at is not None
        paid = texts.money(watch.rule.start_price, product.currency)
        until = (await turn.local_times()).at(watch.expires_at)
        reply = (
            f"OK: until {until} I'll tell you if {product.name} gets"
            f" cheaper than the {paid} you paid (price protection)."
        )
        if current is not None and current <= watch.rule.trigger_price:
            back = texts.money(watch.rule.start_price - current, product.currency)
            reply += (
                f" It is {texts.money(current, product.currency)} already: you may be able to"
                f" claim {back} back."
            )
        return reply


def parse(rest: str) -> BoughtCommand:
    match = _BOUGHT.fullmatch(rest.strip())
    if match is None:
        raise CommandError(
            'Tell me what you paid, like "bought headphones at 179" or'
            ' "bought headphones at 179 within 14 days".'
        )
    try:
        paid = parse_price(match.group("paid"))
    except CommandError:
        raise CommandError(
            f'"{shorten(match.group("paid"))}" is not a price I can read: try "at 179".'
        ) from None
    raw_days = match.group("days")
    days = DEFAULT_PROTECTION_DAYS
    if raw_days is not None:
        if not (raw_days.isdecimal() and raw_days.isascii() and len(raw_days) <= 4):
            raise CommandError(
                f'"{shorten(raw_days)}" is not a number of days: try "within 14 days".'
            )
        days = int(raw_days)
        if not 1 <= days <= MAX_PROTECTION_DAYS:
            raise CommandError(f"Price protection lasts from 1 to {MAX_PROTECTION_DAYS} days.")
    return BoughtCommand(match.group("query"), paid, days)


BOUGHT: Final = Entry(("bought",), parse)
