import asyncio

import pytest

from bench.shop import StandInShop
from shops.fetcher import Failure, FetchError, retry_after_seconds
from shops.reading import read_page
from tests.support.shops import USER_AGENT, fetcher, running_shop


async def test_a_page_is_fetched_as_the_bot_after_its_robots_txt():
    async with running_shop() as running:
        bot = fetcher()
        try:
            page = await bot.fetch(running.url("/p/single"))
        finally:
            await bot.close()
    assert read_page(page.body).name == "Acme kettle"
    assert [visit.path for visit in running.shop.visits] == ["/robots.txt", "/p/single"]
    headers = running.shop.visits[1].headers
    assert headers["User-Agent"] == USER_AGENT
    assert "br" in headers["Accept-Encoding"] and "gzip" in headers["Accept-Encoding"]


async def test_an_unchanged_page_answers_304_to_its_etag():
    async with running_shop() as running:
        bot = fetcher()
        try:
            first = await bot.fetch(running.url("/p/single"))
            again = await bot.fetch(running.url("/p/single"), first.validators)
        finally:
            await bot.close()
    assert first.validators.etag and not first.unchanged
    assert again.unchanged
    assert running.shop.visits[-1].headers["If-None-Match"] == first.validators.etag
    assert running.shop.visits[-1].status == 304


async def test_robots_txt_is_read_once_per_host_and_obeyed():
    async with running_shop() as running:
        bot = fetcher()
        try:
            await bot.fetch(running.url("/p/graph"))
            with pytest.raises(FetchError) as refused:
                await bot.fetch(running.url("/private/p"))
        finally:
            await bot.close()
    assert refused.value.failure is Failure.REFUSED
    assert "robots.txt" in refused.value.reason
    assert len(running.shop.visits_to("/robots.txt")) == 1
    assert not running.shop.visits_to("/private/p")


@pytest.mark.parametrize(
    ("path", "failure", "words"),
    [
        ("/p/wall", Failure.BLOCKED, "403"),
        ("/p/busy", Failure.BLOCKED, "429"),
        ("/p/missing", Failure.GONE, "404"),
        ("/p/to-private", Failure.REFUSED, "leads to a private network address (10.1.2.3)"),
        ("/p/hop/6", Failure.FAILED, "more than 5"),
    ],
)
async def test_what_a_shop_may_answer_instead_of_a_page(path, failure, words):
    async with running_shop() as running:
        bot = fetcher()
        try:
            with pytest.raises(FetchError) as error:
                await bot.fetch(running.url(path))
        finally:
            await bot.close()
    assert error.value.failure is failure
    assert words in error.value.reason


async def test_five_redirects_are_followed():
    async with running_shop() as running:
        bot = fetcher(min_interval=0)
        try:
            page = await bot.fetch(running.url("/p/hop/5"))
        finally:
            await bot.close()
    assert page.url.endswith("/p/hop/0") and page.body


async def test_a_429_pauses_the_host_for_its_retry_after():
    waits = []

    async def sleep(seconds):
        waits.append(seconds)

    async with running_shop() as running:
        bot = fetcher()
        bot._sleep = sleep
        try:
            with pytest.raises(FetchError) as busy:
                await bot.fetch(running.url("/p/busy"))
            await bot.fetch(running.url("/p/single"))
        finally:
            await bot.close()
    assert busy.value.retry_after == 120
    assert max(waits) > 119


async def test_a_slow_page_times_out_and_a_huge_one_is_cut():
    async with running_shop(StandInShop(slow_seconds=2)) as running:
        bot = fetcher(timeout=0.5, max_bytes=1024 * 1024)
        try:
            with pytest.raises(FetchError) as slow:
                await bot.fetch(running.url("/p/slow"))
            with pytest.raises(FetchError) as huge:
                await bot.fetch(running.url("/p/huge"))
        finally:
            await bot.close()
    assert "in time" in slow.value.reason
    assert "over 1,024 KB" in huge.value.reason


async def test_gzip_is_decoded():
    async with running_shop() as running:
        bot = fetcher()
        try:
            page = await bot.fetch(running.url("/p/gzip"))
        finally:
            await bot.close()
    assert read_page(page.body).name == "Kaffeevollautomat"


async def test_a_name_that_resolves_to_loopback_is_refused_at_connect_time():
    # A shop redirects to a name on port 80 that (the stand-in DNS says) is 127.0.0.1.
    async with running_shop(StandInShop(private_target="http://evil.test/p/single")) as running:
        bot = fetcher()
        try:
            with pytest.raises(FetchError) as refused:
                await bot.fetch(running.url("/p/to-private"))
        finally:
            await bot.close()
    assert refused.value.failure is Failure.REFUSED
    assert refused.value.reason == (
        "That link leads to this machine itself (evil.test is 127.0.0.1), which I never fetch from."
    )


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://127.0.0.1/p", "this machine itself"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://[::ffff:10.0.0.1]/", "private network"),
        ("ftp://shop.example/p", "https:// or http://"),
        ("https://shop.example:8443/p", "ports (80 and 443)"),
        ("https://user:pw@shop.example/p", "user name or password"),
    ],
)
async def test_addresses_the_bot_never_fetches(url, words):
    bot = fetcher()
    try:
        with pytest.raises(FetchError) as refused:
            await bot.fetch(url)
    finally:
        await bot.close()
    assert refused.value.failure is Failure.REFUSED
    assert words in refused.value.reason


async def test_one_request_at_a_time_per_host_with_the_gap_between():
    async with running_shop() as running:
        bot = fetcher(min_interval=0.1)
        try:
            await asyncio.gather(
                *(bot.fetch(running.url(f"/p/{p}")) for p in ("single", "graph", "og", "german"))
            )
        finally:
            await bot.close()
    visits = sorted(running.shop.visits, key=lambda visit: visit.started)
    assert len(running.shop.visits_to("/robots.txt")) == 1
    assert running.shop.max_in_flight == 1
    gaps = [later.started - earlier.ended for earlier, later in zip(visits, visits[1:])]
    assert min(gaps) >= 0.095


def test_retry_after_as_seconds_or_a_date():
    from datetime import datetime, timezone

    now = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("Sun, 06 Dec 2026 12:02:00 GMT", now) == 120
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
