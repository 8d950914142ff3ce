"""What a product page says about its product: name, offers (price, currency,
availability, sku), read from the page's own structured data. Pure: bytes in, values out.

In this order, stopping at the first that gives a price: schema.org JSON-LD (a
`Product` or `ProductGroup`, also inside `@graph`, with `offers` as `Offer` or
`AggregateOffer`), microdata (`itemprop="price"`, its `content` before its text), then
OpenGraph (`product:price:amount` / `og:price:amount`). The HTML is parsed once by
selectolax's Lexbor parser (chosen by measurement: BENCHMARKS.md, bench/page_reading.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, Callable, Final, Iterator

from selectolax.lexbor import LexborHTMLParser, LexborNode

from shops.prices import amount, currency_of, shown_amount

MAX_NAME_CHARS: Final = 200
UNAVAILABLE: Final = frozenset({"outofstock", "soldout", "discontinued"})
"""schema.org ItemAvailability values (and OpenGraph's words) that mean "cannot be
bought"; every other value (InStock, LimitedAvailability, OnlineOnly, PreOrder,
BackOrder...) or none means it can."""
_PRODUCT_TYPES: Final = frozenset({"product", "productgroup", "productmodel", "individualproduct"})
_OFFER_TYPES: Final = frozenset({"offer", "aggregateoffer"})
_COMMENT: Final = re.compile(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$")
_LETTERS: Final = re.compile(r"[^a-z]")
_CHARSET: Final = re.compile(rb"""charset=["']?([A-Za-z0-9_:.-]{1,40})""", re.IGNORECASE)


class Source(str, Enum):
    JSON_LD = "json-ld"
    MICRODATA = "microdata"
    OPENGRAPH = "opengraph"


_Reader = Callable[
    [LexborHTMLParser, "str | None", "dict[str, str]"], "tuple[str | None, list[Offer]]"
]


@dataclass(frozen=True)
class Offer:
    price: Decimal
    currency: str | None
    available: bool = True
    sku: str | None = None
    url: str | None = None
    name: str | None = None
    """The variant's own name, when the page gives one."""


@dataclass(frozen=True)
class Reading:
    """A page's product as its structured data tells it."""

    name: str | None
    offers: tuple[Offer, ...]
    """Distinct prices only: two offers at the same price (after parsing) are one."""
    source: Source | None
    lang: str | None
    canonical: str | None = None
    """The page's own address for itself (`<link rel="canonical">`), as written."""

    @property
    def found(self) -> bool:
        return bool(self.offers)

    @property
    def has_variants(self) -> bool:
        return len(self.offers) > 1

    def offer(self, sku: str | None = None) -> Offer | None:
        """The offer a watch follows: the one with its `sku` (or url, or name: what
        `variant_key` kept), else the only one."""
        if sku:
            return next((o for o in self.offers if sku == variant_key(o)), None)
        return self.offers[0] if len(self.offers) == 1 else None


def variant_key(offer: Offer) -> str | None:
    """What tells an offer from the page's others, to find it again: its sku, else its
    url, else its name."""
    return offer.sku or offer.url or offer.name


def read_page(html: bytes | str) -> Reading:
    """The page's product; `Reading.found` is False when no structured data gives a price."""
    tree = LexborHTMLParser(_text_of(html))
    metas = _metas(tree)
    lang = _lang(tree, metas)
    title = metas.get("og:title") or _text(tree.css_first("title"))
    readers: tuple[tuple[Source, _Reader], ...] = (
        (Source.JSON_LD, _json_ld),
        (Source.MICRODATA, _microdata),
        (Source.OPENGRAPH, _open_graph),
    )
    canonical_link = tree.css_first('link[rel="canonical"]')
    canonical = canonical_link.attributes.get("href") if canonical_link is not None else None
    for source, read in readers:
        name, offers = read(tree, lang, metas)
        if offers:
            return Reading(_clean(name or title), _distinct(offers), source, lang, canonical)
    return Reading(_clean(title), (), None, lang, canonical)


def _text_of(html: bytes | str) -> str:
    """The page as text: UTF-8 (nearly every shop), else the charset it declares, else
    Windows-1252 (what pages that declare nothing mean by ISO-8859-1)."""
    if isinstance(html, str):
        return html
    try:
        return html.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _CHARSET.search(html[:4096])
    if declared:
        try:
            return html.decode(declared.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    return html.decode("cp1252", errors="replace")


def is_available(value: object) -> bool:
    """schema.org `availability` ("https://schema.org/OutOfStock", "OutOfStock") or
    OpenGraph's ("out of stock") as a yes or no."""
    if not isinstance(value, str):
        return True
    word = _LETTERS.sub("", value.rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower())
    return word not in UNAVAILABLE


# JSON-LD


def _json_ld(
    tree: LexborHTMLParser, lang: str | None, metas: dict[str, str]
) -> tuple[str | None, list[Offer]]:
    for script in tree.css('script[type="application/ld+json"]'):
        text = _COMMENT.sub("", script.text(deep=True) or "")
        try:
            data = json.loads(text, parse_float=Decimal)
        except ValueError:
            continue
        for product in _products(data):
            offers = list(_product_offers(product, lang))
            if offers:
                return _string(product.get("name")), offers
    return None, []


def _products(data: Any) -> Iterator[dict[str, Any]]:
    """Top-level products, in a list or an `@graph` too; not those nested elsewhere (a
    page's "related products" are not its product)."""
    if isinstance(data, list):
        for item in data:
            yield from _products(item)
    elif isinstance(data, dict):
        if _is_a(data, _PRODUCT_TYPES):
            yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _products(graph)


def _product_offers(product: dict[str, Any], lang: str | None) -> Iterator[Offer]:
    sku = _string(product.get("sku"))
    yield from _offers(product.get("offers"), lang, sku, None)
    variants = product.get("hasVariant")
    for variant in variants if isinstance(variants, list) else [variants]:
        if isinstance(variant, dict):
            yield from _offers(
                variant.get("offers"),
                lang,
                _string(variant.get("sku")),
                _string(variant.get("name")),
            )


def _offers(value: Any, lang: str | None, sku: str | None, name: str | None) -> Iterator[Offer]:
    for offer in value if isinstance(value, list) else [value]:
        if not isinstance(offer, dict) or (offer.get("@type") and not _is_a(offer, _OFFER_TYPES)):
            continue
        inner = offer.get("offers")
        if inner is not None and _is_a(offer, {"aggregateoffer"}):
            listed = list(_offers(inner, lang, sku, name))
            if listed:
                yield from listed
                continue
        spec = offer.get("priceSpecification")
        if isinstance(spec, list):
            spec = next((s for s in spec if isinstance(s, dict) and "price" in s), None)
        spec = spec if isinstance(spec, dict) else {}
        currency = currency_of(offer.get("priceCurrency") or spec.get("priceCurrency"))
        raw = offer.get("price", offer.get("lowPrice", spec.get("price")))
        price = amount(raw, lang, currency)
        if price is None:
            continue
        if currency is None and isinstance(raw, str):
            currency = currency_of(None, raw)
        yield Offer(
            price,
            currency,
            is_available(offer.get("availability")),
            _string(offer.get("sku")) or sku,
            _string(offer.get("url")),
            _string(offer.get("name")) or name,
        )


def _is_a(node: dict[str, Any], types: frozenset[str] | set[str]) -> bool:
    kinds = node.get("@type")
    for kind in kinds if isinstance(kinds, list) else [kinds]:
        if isinstance(kind, str) and kind.rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower() in types:
            return True
    return False


# Microdata


def _microdata(
    tree: LexborHTMLParser, lang: str | None, metas: dict[str, str]
) -> tuple[str | None, list[Offer]]:
    scopes: dict[int, dict[str, LexborNode]] = {}
    parents: dict[int, LexborNode | None] = {}
    for node in tree.css("[itemprop]"):
        scope = _scope_of(node)
        if scope is None:
            continue
        props = scopes.setdefault(scope.mem_id, {})
        for prop in (node.attributes.get("itemprop") or "").split():
            props.setdefault(prop, node)
        parents.setdefault(scope.mem_id, scope)
    offers = []
    name = None
    for scope_id, props in scopes.items():
        price_node = props.get("price") or props.get("lowPrice")
        if price_node is None:
            continue
        currency = currency_of(_value(props.get("priceCurrency")))
        content = price_node.attributes.get("content")
        if content is not None:
            price = amount(content, lang, currency)
        else:
            shown = _text(price_node) or ""
            price = shown_amount(shown, lang, currency)
            currency = currency or currency_of(None, shown)
        if price is None:
            continue
        product = _product_scope(parents[scope_id], scopes)
        if name is None and product is not None:
            name = _value(product.get("name"))
        sku = _value(props.get("sku")) or (_value(product.get("sku")) if product else None)
        offers.append(
            Offer(
                price,
                currency,
                is_available(_value(props.get("availability"))),
                sku,
                _value(props.get("url")),
                _value(props.get("name")) if product is not None else None,
            )
        )
    return name, offers


def _scope_of(node: LexborNode) -> LexborNode | None:
    """The item a property belongs to: its nearest ancestor with `itemscope`."""
    parent = node.parent
    while parent is not None and parent.tag not in (None, "-document"):
        if "itemscope" in parent.attributes:
            return parent
        parent = parent.parent
    return None


def _product_scope(
    scope: LexborNode | None, scopes: dict[int, dict[str, LexborNode]]
) -> dict[str, LexborNode] | None:
    """The properties of the Product item an offer's scope sits in (or is)."""
    node = scope
    while node is not None and node.tag not in (None, "-document"):
        if (
            "itemscope" in node.attributes
            and "product" in (node.attributes.get("itemtype") or "").lower().rsplit("/", 1)[-1]
        ):
            return scopes.get(node.mem_id, {})
        node = node.parent
    return None


def _value(node: LexborNode | None) -> str | None:
    if node is None:
        return None
    attributes = node.attributes
    for attribute in ("content", "href", "value"):
        value = attributes.get(attribute)
        if value:
            return value.strip()
    return _text(node)


# OpenGraph


def _open_graph(
    tree: LexborHTMLParser, lang: str | None, metas: dict[str, str]
) -> tuple[str | None, list[Offer]]:
    raw = metas.get("product:price:amount") or metas.get("og:price:amount")
    if raw is None:
        return None, []
    currency = currency_of(metas.get("product:price:currency") or metas.get("og:price:currency"))
    price = amount(raw, lang, currency)
    if price is None:
        return None, []
    availability = metas.get("product:availability") or metas.get("og:availability")
    return metas.get("og:title"), [Offer(price, currency, is_available(availability))]


def _metas(tree: LexborHTMLParser) -> dict[str, str]:
    """Every `<meta>` with a content, by its `property` or `name` (lower case), first
    one kept: one walk of the page for all of them."""
    found: dict[str, str] = {}
    for node in tree.css("meta[content]"):
        attributes = node.attributes
        key = attributes.get("property") or attributes.get("name") or attributes.get("http-equiv")
        value = (attributes.get("content") or "").strip()
        if key and value:
            found.setdefault(key.strip().lower(), value)
    return found


# The page


def _lang(tree: LexborHTMLParser, metas: dict[str, str]) -> str | None:
    html = tree.css_first("html")
    lang = html.attributes.get("lang") if html is not None else None
    lang = lang or metas.get("og:locale") or metas.get("content-language")
    return lang.strip() if lang and lang.strip() else None


def _text(node: LexborNode | None) -> str | None:
    if node is None:
        return None
    text = " ".join((node.text(deep=True) or "").split())
    return text or None


def _string(value: Any) -> str | None:
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def _clean(name: str | None) -> str | None:
    if not name:
        return None
    name = " ".join(name.split())
    return name[:MAX_NAME_CHARS] or None


def _distinct(offers: list[Offer]) -> tuple[Offer, ...]:
    """One offer per price and currency; an available one before one that is not."""
    kept: dict[tuple[Decimal, str | None], Offer] = {}
    for offer in offers:
        key = (offer.price.normalize(), offer.currency)
        if key not in kept or (offer.available and not kept[key].available):
            kept[key] = offer
    return tuple(kept.values())
