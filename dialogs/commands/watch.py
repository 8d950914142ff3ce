"""`watch [product | link] [20% | below 300]`: at once when the words name one product (or
the link a page with one price) and a drop; otherwise the watch dialog asks for what is
missing, or whether to change the watch of that product the person has already (one per
product)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs import texts
from dialogs.commands.command import Entry, Interrupt, Turn
from dialogs.commands.drops import BELOW_WORDS, Drop, parse_percent, parse_price
from dialogs.commands.words import CommandError
from dialogs.page_looks import as_url, is_link, look_values, out_of_stock, product_of
from dialogs.watch_dialog import WatchDialog, create_watch, make_rule, watch_options
from domain.watches import same_watch
from feed.client import FeedError


@dataclass(frozen=True)
class WatchCommand:
    query: str
    drop: Drop | None

    async def handle(self, turn: Turn) -> None:
        if is_link(self.query):
            await self._watch_page(turn)
            return
        if self.query and self.drop is not None:
            catalog, watchlist = turn.services.catalog, turn.services.watchlist
            try:
                matches = await catalog.find(self.query)
                price = await watchlist.current_price(matches[0].id) if len(matches) == 1 else None
            except FeedError:
                await turn.say(texts.FEED_DOWN)
                return
            mine = await watchlist.of(turn.conversation, turn.owner)
            if price is not None and same_watch(mine, matches[0].id, protection=False) is None:
                rule = make_rule(price, self.drop)
                await turn.say(await create_watch(turn.context, watchlist, matches[0], rule))
                return
        await turn.dialogs.begin_dialog(WatchDialog.__name__, watch_options(self.query, self.drop))

    async def _watch_page(self, turn: Turn) -> None:
        """The page read once: one price and a drop make the watch at once; otherwise the
        dialog asks which offer (variants) or what drop."""
        pages = turn.services.pages
        look = await pages.look(as_url(self.query))
        if look.problem is not None or look.reading is None:
            await turn.say(look.problem or texts.FEED_DOWN)
            return
        offers = look.reading.offers
        if len(offers) == 1 and self.drop is not None:
            if not offers[0].available:
                await turn.say(out_of_stock(look, offers[0]))
                return
            product = await product_of(pages, look, offers[0])
            rule = make_rule(offers[0].price, self.drop)
            await turn.say(await create_watch(turn.context, turn.services.watchlist, product, rule))
            return
        await turn.dialogs.begin_dialog(
            WatchDialog.__name__, watch_options(None, self.drop, page=look_values(look))
        )


def parse(rest: str) -> WatchCommand:
    tokens = rest.split()
    if tokens and tokens[-1] == "%" and len(tokens) >= 2:
        tokens = tokens[:-2] + [tokens[-2] + "%"]
    if tokens and tokens[-1].endswith("%"):
        return WatchCommand(" ".join(tokens[:-1]), Drop(percent=parse_percent(tokens[-1])))
    if len(tokens) >= 2 and tokens[-2].casefold() in BELOW_WORDS:
        return WatchCommand(" ".join(tokens[:-2]), Drop(below=parse_price(tokens[-1])))
    if tokens and tokens[-1].casefold() in BELOW_WORDS:
        raise CommandError('Say the price too, like "below 300".')
    return WatchCommand(" ".join(tokens), None)


WATCH: Final = Entry(("watch",), parse, Interrupt.REPLACE)
