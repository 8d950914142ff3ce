"""A conversation's watches: create, list and remove them against the store and feed.

`owner`, where a method takes it: a group member's user id, whose watches alone it sees
and changes (`domain.owners`); None in a 1:1, where every watch is the user's.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final, Sequence

from domain import watch_changes
from domain.clock import Clock
from domain.departures import Departure
from domain.owners import belongs_to, owned_by
from domain.products import Product
from domain.rules import Rule, RuleState, initial_state, is_price, protect_rule, protected_state
from domain.watch_changes import Change, WatchChange
from domain.watches import NewWatch, Watch, same_watch
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
        self._changed: dict[str, dict[int, int | None]] = {}

    async def current_price(self, product_id: str) -> Decimal | None:
        """The feed's price now, None when it has none; raises FeedError."""
        price = (await self._feed.prices([product_id])).get(product_id)
        return price if is_price(price) else None

    async def add(
        self,
        conversation_key: str,
        user_id: str,
        product: Product,
        rule: Rule,
        state: RuleState | None = None,
        expires_at: datetime | None = None,
        owner_name: str | None = None,
    ) -> Watch:
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
                state=initial_state(rule) if state is None else state,
                created_at=self._clock(),
                expires_at=expires_at,
                owner_name=owner_name or None,
            )
        )
        logger.info("watch %s created on %s in %s", watch.id, product.id, conversation_key)
        return watch

    async def _watch_count(self, conversation_key: str, user_id: str) -> int:
        """The user's watches in all their chats; a chat's own when the user has no id."""
        if user_id:
            return await self._watches.count_of_user(user_id)
        return len(await self._watches.of_conversation(conversation_key))

    async def of(self, conversation_key: str, owner: str | None = None) -> list[Watch]:
        return owned_by(await self._watches.of_conversation(conversation_key), owner)

    async def prices_for(self, watches: list[Watch]) -> dict[str, Decimal | None]:
        """Current prices for showing; empty when the feed cannot be read."""
        if not watches:
            return {}
        try:
            return await self._feed.prices([watch.product_id for watch in watches])
        except FeedError as error:
            logger.warning("could not fetch prices for a watch list: %s", error)
            return {}

    async def remove(self, conversation_key: str, watch: Watch, owner: str | None = None) -> bool:
        removed = await self._watches.remove(conversation_key, watch.id, owner)
        if removed:
            logger.info("watch %s removed from %s", watch.id, conversation_key)
            self._changed.setdefault(conversation_key, {})[watch.id] = None
        return removed

    def changed(self, conversation_key: str) -> dict[int, int | None]:
        """The conversation's watches its users changed (or removed: None) through this
        watchlist since the last call, with their `user_version` now; the cards of their
        alerts made before are out of date. The bot asks at the end of each turn (one turn
        at a time per conversation), so what it holds is one turn's."""
        return self._changed.pop(conversation_key, {})

    def _note(self, conversation_key: str, changes: Sequence[Change]) -> list[Change]:
        written = {c.after.id: c.after.user_version for c in changes if c.writes}
        if written:
            self._changed.setdefault(conversation_key, {}).update(written)
        return list(changes)

    async def pause(
        self, conversation_key: str, watch_id: int | None, owner: str | None = None
    ) -> list[Change]:
        """Put a watch (None: every watch of the owner's) to sleep until resumed. It keeps
        tracking prices and alerts once on waking if it fired meanwhile (`domain.sleep`)."""
        changes = self._note(
            conversation_key,
            await self._watches.change(
                conversation_key, watch_id, watch_changes.pause(self._clock()), owner
            ),
        )
        logger.info("paused %d watch(es) in %s", len(changes), conversation_key)
        return changes

    async def resume(
        self, conversation_key: str, watch_id: int | None, owner: str | None = None
    ) -> list[Change]:
        changes = self._note(
            conversation_key,
            await self._watches.change(
                conversation_key, watch_id, watch_changes.resume(self._clock()), owner
            ),
        )
        logger.info("resumed %d watch(es) in %s", len(changes), conversation_key)
        return changes

    async def snooze(
        self,
        conversation_key: str,
        watch_id: int | None,
        until: datetime,
        owner: str | None = None,
    ) -> list[Change]:
        changes = self._note(
            conversation_key,
            await self._watches.change(
                conversation_key, watch_id, watch_changes.snooze(until, self._clock()), owner
            ),
        )
        logger.info("snoozed %d watch(es) in %s until %s", len(changes), conversation_key, until)
        return changes

    async def press(
        self,
        conversation_key: str,
        watch_id: int,
        change: WatchChange,
        card_version: int | None,
        owner: str | None = None,
    ) -> Change | None:
        """A card's button: `change`, made only while the watch is as the card showed it
        (`domain.watch_changes.as_card_showed`). The change (writing nothing when the card
        was out of date); None when the conversation has no such watch (of the owner's)."""
        changed = self._note(
            conversation_key,
            await self._watches.change(
                conversation_key,
                watch_id,
                watch_changes.as_card_showed(card_version, change),
                owner,
            ),
        )
        if not changed:
            return None
        if changed[0].writes:
            logger.info("watch %s changed by a card in %s", watch_id, conversation_key)
        else:
            logger.info("watch %s: a press of an out-of-date card, nothing changed", watch_id)
        return changed[0]

    async def leave(
        self, conversation_key: str, departure: Departure, member: str | None = None
    ) -> list[Watch]:
        """Stop the conversation's watches (`domain.watch_changes.left`): all of them when
        the bot left, only those `member` made when a member left (not the ones nobody
        is known to have made: they are the conversation's). Returns every watch in that
        scope that is stopped now, stopped before included."""
        stop = watch_changes.left(departure, self._clock())

        def theirs(watch: Watch) -> Change:
            if member is None or watch.user_id == member:
                return stop(watch)
            return Change(watch, watch)

        changes = await self._watches.change(conversation_key, None, theirs, member)
        stopped = [change.after for change in changes if change.after.left_at is not None]
        logger.info(
            "%d watch(es) in %s stopped: %s left",
            sum(change.writes for change in changes),
            conversation_key,
            "the bot" if member is None else "a member",
        )
        return stopped

    async def set_target(
        self, conversation_key: str, watch_id: int, target: Decimal, owner: str | None = None
    ) -> Watch | None:
        """Fire at `target` from now on (`domain.watch_changes.retarget`). None when the
        conversation has no such watch (of the owner's)."""
        changed = self._note(
            conversation_key,
            await self._watches.change(
                conversation_key, watch_id, watch_changes.retarget(target, self._clock()), owner
            ),
        )
        return changed[0].after if changed else None

    async def set_rule(
        self, conversation_key: str, watch_id: int, rule: Rule, owner: str | None = None
    ) -> Watch | None:
        """The watch fires under `rule` from now on (`domain.watch_changes.rerule`): what a
        second `watch` of the same product does when the user says yes. None when the
        conversation has no such watch (of the owner's)."""
        changed = self._note(
            conversation_key,
            await self._watches.change(
                conversation_key, watch_id, watch_changes.rerule(rule, self._clock()), owner
            ),
        )
        return changed[0].after if changed else None

    async def protect(
        self,
        conversation_key: str,
        user_id: str,
        product: Product,
        paid: Decimal,
        days: int,
        current: Decimal | None,
        owner_name: str | None = None,
        owner: str | None = None,
    ) -> Change:
        """Price protection for `days` from now: alert when the price goes below `paid`.
        Told the current price, a price already under it counts as its first crossing
        (the reply says so), so the poll does not alert about it again. A person has one
        protection per product: a second one renews it (`domain.watches.same_watch`)."""
        expires_at = self._clock() + timedelta(days=days)
        existing = same_watch(await self.of(conversation_key, owner), product.id, protection=True)
        if existing is not None:
            changed = self._note(
                conversation_key,
                await self._watches.change(
                    conversation_key,
                    existing.id,
                    watch_changes.reprotect(paid, current, expires_at, self._clock()),
                    owner,
                ),
            )
            if changed:
                return changed[0]
        rule = protect_rule(paid)
        state = protected_state(rule, current)
        watch = await self.add(
            conversation_key, user_id, product, rule, state, expires_at, owner_name
        )
        return Change(watch, watch)

    async def get(
        self, conversation_key: str, watch_id: int, owner: str | None = None
    ) -> Watch | None:
        """The conversation's watch (of the owner's), None when it has no such watch."""
        watches = await self._watches.of_conversation(conversation_key)
        watch = next((watch for watch in watches if watch.id == watch_id), None)
        return watch if watch is not None and belongs_to(watch, owner) else None
