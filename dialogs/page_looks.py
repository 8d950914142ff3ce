"""A shop page someone pasted, as the watch command and dialog carry it: the page read
once (shops/pages.py `Look`), kept in dialog state as plain values, and its offers as
buttons when it has several prices (variants)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Final

from dialogs import texts
from domain.products import Product
from shops.fetcher import Validators
from shops.pages import Look, ShopPages
from shops.reading import Offer, Reading, Source

_LINK: Final = re.compile(r"(?:https?://|www\.)\S+\Z", re.IGNORECASE)
OFFER_PREFIX: Final = "offer:"


def is_link(query: str) -> bool:
    """Whether what follows `watch` is a page's address rather than a product's name."""
    return bool(_LINK.match(query.strip()))


def as_url(query: str) -> str:
    query = query.strip().strip("<>")
    return query if "://" in query else "https://" + query


def look_values(look: Look) -> dict[str, Any]:
    """The page as dialog state keeps it: plain values only."""
    assert look.reading is not None
    return {
        "url": look.url,
        "host": look.host,
        "name": look.reading.name,
        "lang": look.reading.lang,
        "source": None if look.reading.source is None else look.reading.source.value,
        "etag": look.validators.etag,
        "last_modified": look.validators.last_modified,
        "offers": [
            {
                "price": str(o.price),
                "currency": o.currency,
                "available": o.available,
                "sku": o.sku,
                "url": o.url,
                "name": o.name,
            }
            for o in look.reading.offers
        ],
    }


def look_from(values: dict[str, Any]) -> Look:
    offers = tuple(
        Offer(Decimal(o["price"]), o["currency"], o["available"], o["sku"], o["url"], o["name"])
        for o in values["offers"]
    )
    source = None if values.get("source") is None else Source(values["source"])
    return Look(
        values["url"],
        values["host"],
        Reading(values.get("name"), offers, source, values.get("lang")),
        Validators(values.get("etag"), values.get("last_modified")),
    )


def offer_button(look: Look, offer: Offer) -> str:
    assert look.reading is not None
    price = texts.money(offer.price, offer.currency or "")
    name = offer.name or offer.sku or look.reading.name or look.host
    return f"{name}: {price}"


def offer_buttons(look: Look) -> list[str]:
    assert look.reading is not None
    return [offer_button(look, offer) for offer in look.reading.offers]


def chosen_offer(look: Look, answer: str) -> int | None:
    """Which offer an answer names: its button, its price, or words of its name."""
    assert look.reading is not None
    wanted = answer.strip().casefold()
    if not wanted:
        return None
    buttons = [button.casefold() for button in offer_buttons(look)]
    if wanted in buttons:
        return buttons.index(wanted)
    matches = [i for i, button in enumerate(buttons) if wanted in button]
    return matches[0] if len(matches) == 1 else None


async def product_of(pages: ShopPages, look: Look, offer: Offer) -> Product:
    """The page (for this offer) kept as a product, at the price just read."""
    page = await pages.remember(look, offer)
    return Product(page.product_id, page.name, offer.price, page.currency)


def out_of_stock(look: Look, offer: Offer) -> str:
    name = offer.name or (look.reading.name if look.reading else None) or look.host
    return (
        f"{name} is out of stock at the shop right now, so I can't watch its price yet."
        " Please try again when it is back."
    )
