from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain.pages import PageProduct, PageReading, page_product_id
from domain.rules import initial_state, percent_rule
from domain.watches import NewWatch

pytestmark = pytest.mark.store_variants("sqlite", "postgres")

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
URL = "https://shop.example/item/1"
PAGE = PageProduct(page_product_id(URL), URL, None, "Acme kettle", "EUR")


def watch_of(product_id: str) -> NewWatch:
    rule = percent_rule(Decimal("49.99"), Decimal(20))
    return NewWatch("c", "u", product_id, "Acme kettle", "EUR", rule, initial_state(rule), NOW)


async def test_a_page_is_stored_with_its_reading_and_fetched_when_due(store):
    pages = store.pages
    await pages.add(
        PAGE,
        "shop.example",
        PageReading(Decimal("49.99"), '"e1"', None, NOW),
        NOW + timedelta(hours=1),
    )
    stored = (await pages.get([PAGE.product_id]))[PAGE.product_id]
    assert (stored.price, stored.read, stored.etag) == (Decimal("49.99"), True, '"e1"')
    later = NOW + timedelta(hours=2)
    assert await pages.due(later, 10) == []  # nobody watches it
    await store.watches.add(watch_of(PAGE.product_id))
    [(host, due)] = await pages.due(later, 10)
    assert host == "shop.example" and due.page == PAGE
    assert await pages.claim([PAGE.product_id], later, later + timedelta(minutes=5)) == {
        PAGE.product_id
    }
    assert await pages.due(later, 10) == []
    assert await pages.claim([PAGE.product_id], later, later) == set()


async def test_failures_are_counted_from_the_first_until_a_reading(store):
    pages = store.pages
    await pages.add(PAGE, "shop.example", PageReading(Decimal("49.99"), None, None, NOW), NOW)
    for hours in (1, 2, 30):
        await pages.record_failure(
            PAGE.product_id,
            "the shop turned the bot away (403)",
            NOW + timedelta(hours=hours),
            NOW + timedelta(hours=hours + 1),
        )
    stored = (await pages.get([PAGE.product_id]))[PAGE.product_id]
    assert stored.failures == 3 and stored.failing_since == NOW + timedelta(hours=1)
    [untold] = await pages.failing_untold(NOW + timedelta(hours=25))
    assert untold.page == PAGE
    await pages.mark_told([PAGE.product_id])
    assert await pages.failing_untold(NOW + timedelta(hours=25)) == []
    await pages.record_reading(
        PAGE.product_id, PageReading(None, '"e2"', None, NOW), NOW + timedelta(hours=40)
    )
    stored = (await pages.get([PAGE.product_id]))[PAGE.product_id]
    assert (stored.price, stored.failures, stored.failing_since) == (None, 0, None)
