from decimal import Decimal

from feed.client import FeedError
from watchers.prices import Prices

PAGE = "page:0123456789abcdef0123"


class Pages:
    def __init__(self, prices):
        self.asked = []
        self._prices = prices

    async def prices(self, product_ids):
        self.asked.append(list(product_ids))
        return {pid: self._prices[pid] for pid in product_ids if pid in self._prices}


class Feed:
    def __init__(self, fail=False):
        self.fail = fail
        self.asked = []

    async def products(self):
        return []

    async def prices(self, ids):
        self.asked.append(list(ids))
        if self.fail:
            raise FeedError("down")
        return {pid: Decimal("1.00") for pid in ids}

    async def price_batches(self, ids):
        from feed.client import PriceBatch

        yield PriceBatch(list(ids), {pid: Decimal("1.00") for pid in ids})


async def test_page_prices_come_from_their_last_reading_and_the_rest_from_the_feed():
    pages, feed = Pages({PAGE: None}), Feed()
    prices = Prices(feed, pages)
    assert await prices.prices(["p-1", PAGE]) == {"p-1": Decimal("1.00"), PAGE: None}
    assert feed.asked == [["p-1"]] and pages.asked == [[PAGE]]


async def test_a_feed_that_is_down_does_not_stop_page_prices_when_none_is_asked():
    prices = Prices(Feed(fail=True), Pages({PAGE: Decimal("49.99")}))
    assert await prices.prices([PAGE]) == {PAGE: Decimal("49.99")}


async def test_the_poll_gets_the_pages_as_one_batch_then_the_feeds():
    never_read = "page:ffffffffffffffffffff"
    prices = Prices(Feed(), Pages({PAGE: Decimal("49.99")}))
    batches = [batch async for batch in prices.price_batches([PAGE, "p-1", never_read])]
    assert [(b.asked, b.prices) for b in batches] == [
        ([PAGE], {PAGE: Decimal("49.99")}),
        (["p-1"], {"p-1": Decimal("1.00")}),
    ]
