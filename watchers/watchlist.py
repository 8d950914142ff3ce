"""A conversation's watches: create, list and remove them against the store and feed."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Final

from domain.clock import Clock
from domain.products import Product
from domain.rules import Rule, initial_state, is_price
from domain.watches import NewWatch, Watch
from feed.client import FeedError, PriceFeed
from state.interfaces import WatchStore

logger = logging.getLogger(__name__)

MAX_WATCHES_PER_USER: Final = 50


class WatchLimitReached(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"a user may have at most {limit} watches")
        self.limit = limit


class Watchlist:
    def __init__(
        self,
        watches: WatchStore,
        feed: PriceFeed,
        clock: Clock,
        max_watches: int = MAX_WATCHES_PER_USER,
    ) -> None:
        self._watches = watches
        self._feed = feed
        self._clock = clock
        self._max_watches = max_watches

    async def current_price(self, product_id: str) -> Decimal | None:
        """The feed's price now, None when it has none; raises FeedError."""
        price = (await self._feed.prices([product_id])).get(product_id)
        return price if is_price(price) else None

    async def add(self, conversation_key: str, user_id: str, product: Product, rule: Rule) -> Watch:
        if await self._watch_count(conversation_key, user_id) >= self._max_watches:
            raise WatchLimitReached(self._max_watches)
        watch = await self._watches.add(
            NewWatch(
                conversation_key=conversation_key,
                user_id=user_id,
                product_id=product.id,
                product_name=product.name,
                currency=product.currency,
                rule=rule,
                state=initial_state(rule),
                created_at=self._clock(),
            )
        )
        logger.info("watch %s created on %s in %s", watch.id, product.id, conversation_key)
        return watch

    async def _watch_count(self, conversation_key: str, user_id: str) -> int:
        """The user's watches in all their chats; a chat's own when the user has no id."""
        if user_id:
            return await self._watches.count_of_user(user_id)
        return len(await self._watches.of_conversation(conversation_key))

    async def of(self, conversation_key: str) -> list[Watch]:
        return await self._watches.of_conversation(conversation_key)

    async def prices_for(self, watches: list[Watch]) -> dict[str, Decimal | None]:
        """Current prices for showing; empty when the feed cannot be read."""
        if not watches:
            return {}
        try:
            return await self._feed.prices([watch.product_id for watch in watches])
        except FeedError as error:
            logger.warning("could not fetch prices for a watch list: %s", error)
            return {}

    async def remove(self, conversation_key: str, watch: Watch) -> bool:
        removed = await self._watches.remove(conversation_key, watch.id)
        if removed:
            logger.info("watch %s removed from %s", watch.id, conversation_key)
        return removed
