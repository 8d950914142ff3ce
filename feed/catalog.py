"""The feed's product catalog, cached briefly, and matching what people type to products."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Sequence

from domain.clock import Clock
from domain.products import Product
from feed.client import FeedError, PriceFeed

logger = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_JOINERS = re.compile(r"['’ʼ`´]")
"""Marks inside a word (Chef's): dropped, so "chefs" and "chef's" are one word."""
MIN_PREFIX = 3


def words(text: str) -> list[str]:
    """The words of a name or a query: letters and digits, in any case, any punctuation
    between them ignored ("Noise-cancelling" is "noise", "cancelling")."""
    return [word.casefold() for word in _WORD.findall(_JOINERS.sub("", text))]


def name_matches(query: str, name: str) -> bool:
    """Whether typed words name this product name, punctuation and case aside: each word
    is a word of the name or (3+ letters) starts one ("headphone", "chefs knife"), or
    the words run together start the name at one of its words ("ereader", "e-reader")."""
    query_words, name_words = words(query), words(name)
    if not query_words:
        return False
    if all(_word_in(word, name_words) for word in query_words):
        return True
    joined = "".join(query_words)
    return len(joined) >= MIN_PREFIX and any(
        "".join(name_words[start:]).startswith(joined) for start in range(len(name_words))
    )


def match_products(products: Sequence[Product], query: str) -> list[Product]:
    """Products whose id is the query, or whose name it names (`name_matches`). An exact
    id or an exact name wins outright."""
    wanted = query.strip().casefold()
    if not wanted:
        return []
    for product in products:
        if wanted in (product.id.casefold(), product.name.casefold()):
            return [product]
    return [product for product in products if name_matches(query, product.name)]


def _word_in(word: str, name_words: list[str]) -> bool:
    return any(
        candidate == word or (len(word) >= MIN_PREFIX and candidate.startswith(word))
        for candidate in name_words
    )


class Catalog:
    def __init__(self, feed: PriceFeed, clock: Clock, ttl_seconds: float = 30) -> None:
        self._feed = feed
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_seconds)
        self._products: list[Product] = []
        self._fetched_at: datetime | None = None

    async def products(self) -> list[Product]:
        """The catalog; raises FeedError only when there is no cached copy to fall back on."""
        now = self._clock()
        if self._fetched_at is None or now - self._fetched_at >= self._ttl:
            try:
                self._products = await self._feed.products()
                self._fetched_at = now
            except FeedError:
                if self._fetched_at is None:
                    raise
                logger.warning("catalog refresh failed; using the copy from %s", self._fetched_at)
        return list(self._products)

    async def find(self, query: str) -> list[Product]:
        return match_products(await self.products(), query)
