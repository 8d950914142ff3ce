"""`bought headphones at 179 [within 14 days | 2 weeks | 14d]`: price protection for the
return window, an alert if the price goes below what was paid."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from dialogs import texts
from dialogs.commands.command import Entry, Interrupt, Turn
from dialogs.commands.drops import parse_price
from dialogs.commands.words import CommandError, shorten
from dialogs.durations import DurationError, parse_days
from dialogs.keys import user_id, user_name
from domain.rules import MIN_PROTECTED, is_protectable, to_cents
from feed.client import FeedError
from watchers.watchlist import WatchLimitReached

DEFAULT_PROTECTION_DAYS: Final = 30
MAX_PROTECTION_DAYS: Final = 365
_BOUGHT: Final = re.compile(
    r"(?P<query>.+?)\s+(?:at|for)\s+(?P<paid>\S+)(?:\s+within(?:\s+(?P<within>.*))?)?",
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
            return f'{texts.no_product_matches(self.query)} Say "watch" to see the products I know.'
        if len(matches) > 1:
            names = ", ".join(texts.md(product.name) for product in matches[:10])
            return (
                f"{texts.several_products_match(self.query)} Which one did you buy: {names}?"
                f' Say more of its name, like "bought {texts.md(matches[0].name)} at {self.paid}".'
            )
        product = matches[0]
        try:
            current = await watchlist.current_price(product.id)
        except FeedError:
            current = None
        try:
            change = await watchlist.protect(
                turn.conversation,
                user_id(turn.context.activity),
                product,
                self.paid,
                self.days,
                current,
                owner_name=user_name(turn.context.activity),
                owner=turn.owner,
            )
        except WatchLimitReached as limit:
            return texts.watch_limit_reached(limit.limit)
        return texts.protection_reply(change, current, await turn.local_times())


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
    if not is_protectable(paid):
        raise CommandError(
            f"I can't protect a price of {to_cents(paid)}: there is no lower price to tell you"
            f" about. The least I can protect is {MIN_PROTECTED}."
        )
    within = match.group("within")
    days = DEFAULT_PROTECTION_DAYS
    if within is not None or match.group(0).rstrip().casefold().endswith("within"):
        if not within:
            raise CommandError('Say how long, like "within 14 days" or "within 2 weeks".')
        try:
            days = parse_days(within, 1, MAX_PROTECTION_DAYS, "Price protection lasts")
        except DurationError as error:
            raise CommandError(f'{error} Try "within 14 days" or "within 2 weeks".') from None
    return BoughtCommand(match.group("query"), paid, days)


BOUGHT: Final = Entry(("bought",), parse, Interrupt.REPLACE)
