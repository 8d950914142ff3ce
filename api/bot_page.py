"""GET /bot: what a shop's owner reads when they follow the link in the bot's User-Agent."""

from __future__ import annotations

from typing import Final

from aiohttp import web

ABOUT: Final = """PriceWatchBot

This is PriceWatch, a chat bot that tells people when the price of a product they
asked about drops. It fetches a product page only because a person pasted its link,
and then about once an hour however many people watch it.

How it fetches:
- It obeys robots.txt (user-agent token: PriceWatchBot), read once a day.
- One request at a time to your site, at least 10 seconds apart (or your Crawl-delay).
- Conditional requests (If-None-Match, If-Modified-Since): an unchanged page costs a 304.
- It backs off on 429 and 503 and honours Retry-After.
- It reads only the price your page publishes in its structured data (schema.org
  JSON-LD or microdata, OpenGraph); it runs no JavaScript and logs in nowhere.

To stop it, add to your robots.txt:

    User-agent: PriceWatchBot
    Disallow: /
"""


async def bot_page(request: web.Request) -> web.Response:
    return web.Response(text=ABOUT, content_type="text/plain")
