from decimal import Decimal
from typing import Sequence

import pytest

from domain.products import Product
from feed.catalog import Catalog, match_products
from feed.client import FeedError
from mockfeed import default_catalog
from tests.support.clock import FakeClock

TTL_SECONDS = 30


def ids(products: Sequence[Product]) -> list[str]:
    return [product.id for product in products]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("headphones", ["p-100"]),
        ("HEADPHONES", ["p-100"]),
        ("  headphones  ", ["p-100"]),
        ("headphone", ["p-100"]),
        ("noise cancelling headphones", ["p-100"]),
        ("p-100", ["p-100"]),
        ("P-100", ["p-100"]),
        ("espresso machine", ["p-200"]),
        ("Espresso", ["p-200"]),
        ("coffee", ["p-1300", "p-1400"]),
        ("coffee grinder", ["p-1300"]),
        ("coffee beans", ["p-1400"]),
        ("4k monitor", ["p-300"]),
        ("chef's knife", ["p-800"]),
        ("chefs knife", ["p-800"]),
        ("CHEFS KNIFE", ["p-800"]),
        ("chef’s knife", ["p-800"]),
        ("chef knife", ["p-800"]),
        ("ereader", ["p-900"]),
        ("e reader", ["p-900"]),
        ("e-reader", ["p-900"]),
        ("cast iron", ["p-1100"]),
        ("castiron skillet", ["p-1100"]),
        ("noise-cancelling", ["p-100"]),
        ("phones", []),
        ("zzz", []),
        ("headphones zzz", []),
        ("he", []),
        ("p-10", []),
        ("", []),
        ("   ", []),
        ("!!!", []),
    ],
    ids=repr,
)
def test_match_products_in_the_default_catalog(query: str, expected: list[str]) -> None:
    assert ids(match_products(default_catalog(), query)) == expected


def test_an_exact_full_name_wins_over_longer_names_holding_its_words() -> None:
    products = [
        *default_catalog(),
        Product("p-9001", "Coffee grinder brush", Decimal("9.99"), "USD"),
        Product("p-9002", "Burr coffee grinder", Decimal("20.00"), "USD"),
    ]

    assert ids(match_products(products, "burr coffee grinder")) == ["p-1300"]
    assert ids(match_products(products, "coffee grinder")) == ["p-1300", "p-9001", "p-9002"]


def test_a_product_id_wins_over_names() -> None:
    products = [
        *default_catalog(),
        Product("desk", "Desk lamp", Decimal("30.00"), "USD"),
    ]

    assert ids(match_products(products, "desk")) == ["desk"]


class CountingFeed:
    """A stand-in feed: serves `catalog`, counts product requests, can be told to fail."""

    def __init__(self, catalog: list[Product]) -> None:
        self.catalog = catalog
        self.calls = 0
        self.failing = False

    async def products(self) -> list[Product]:
        self.calls += 1
        if self.failing:
            raise FeedError("stand-in feed told to fail")
        return list(self.catalog)

    async def prices(self, ids: Sequence[str]) -> dict[str, Decimal | None]:
        raise AssertionError("the catalog never asks for prices")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def feed() -> CountingFeed:
    return CountingFeed(default_catalog())


@pytest.fixture
def catalog(feed: CountingFeed, clock: FakeClock) -> Catalog:
    return Catalog(feed, clock, ttl_seconds=TTL_SECONDS)


async def test_a_second_call_within_the_ttl_does_not_hit_the_feed(
    catalog: Catalog, feed: CountingFeed, clock: FakeClock
) -> None:
    first = await catalog.products()
    clock.advance(TTL_SECONDS - 1)
    second = await catalog.products()

    assert feed.calls == 1
    assert first == second == default_catalog()


async def test_after_the_ttl_the_feed_is_asked_again(
    catalog: Catalog, feed: CountingFeed, clock: FakeClock
) -> None:
    await catalog.products()
    feed.catalog = feed.catalog[:1]
    clock.advance(TTL_SECONDS)

    assert await catalog.products() == default_catalog()[:1]
    assert feed.calls == 2


async def test_a_feed_failure_after_a_fetch_serves_the_cached_copy(
    catalog: Catalog, feed: CountingFeed, clock: FakeClock
) -> None:
    await catalog.products()
    feed.failing = True
    clock.advance(TTL_SECONDS + 1)

    assert await catalog.products() == default_catalog()
    assert feed.calls == 2


async def test_the_feed_is_asked_again_once_it_recovers(
    catalog: Catalog, feed: CountingFeed, clock: FakeClock
) -> None:
    await catalog.products()
    feed.failing = True
    clock.advance(TTL_SECONDS + 1)
    await catalog.products()
    feed.failing = False
    feed.catalog = feed.catalog[:2]

    assert await catalog.products() == default_catalog()[:2]


async def test_a_feed_failure_with_nothing_cached_raises(
    catalog: Catalog, feed: CountingFeed
) -> None:
    feed.failing = True

    with pytest.raises(FeedError):
        await catalog.products()

    feed.failing = False
    assert await catalog.products() == default_catalog()


async def test_find_matches_against_the_cached_catalog(
    catalog: Catalog, feed: CountingFeed
) -> None:
    assert ids(await catalog.find("coffee")) == ["p-1300", "p-1400"]
    assert ids(await catalog.find("headphones")) == ["p-100"]
    assert feed.calls == 1
