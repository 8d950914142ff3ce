"""Products that are shop pages: how their ids are made and what the bot keeps of them.

A page product's id is made from its page's address (and the offer chosen among a
page's variants), so a page watched by many people is one product, fetched once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final

PAGE_PREFIX: Final = "page:"
"""Feed ids never start with it (the feed client refuses them)."""
UNAVAILABLE_AFTER_READINGS: Final = 1
"""A page that says out of stock is unavailable at once: the shop said so, unlike a
feed's null, which may be a glitch."""


def page_product_id(url: str, sku: str | None = None) -> str:
    key = url if not sku else f"{url}#sku={sku}"
    return PAGE_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:20]


def is_page_product(product_id: str) -> bool:
    return product_id.startswith(PAGE_PREFIX)


@dataclass(frozen=True)
class PageProduct:
    """A product page the bot reads: where, which offer, and what it was called."""

    product_id: str
    url: str
    sku: str | None
    name: str
    currency: str


@dataclass(frozen=True)
class PageReading:
    """What one successful fetch of a page said (or that it had not changed)."""

    price: Decimal | None
    """None: the shop says it cannot be bought now (out of stock, sold out)."""
    etag: str | None
    last_modified: str | None
    at: datetime


@dataclass(frozen=True)
class StoredPage:
    page: PageProduct
    price: Decimal | None
    read: bool
    """Whether the page has ever been read (else `price` means nothing yet)."""
    etag: str | None
    last_modified: str | None
    failures: int
    failing_since: datetime | None
    failure: str | None
