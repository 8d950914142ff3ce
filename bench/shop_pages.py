"""Product pages as real shops publish them: for the stand-in shop (bench/shop.py), the
reader's benchmark and its tests.

Each is modelled on the markup of a kind of shop seen in the wild: a Shopify-like theme
(JSON-LD, one Offer), a marketplace listing (AggregateOffer), a Yoast/WooCommerce page
(everything in one `@graph`), an older Magento theme (microdata with `content`), a
page with OpenGraph product tags only, a German shop (`1.226,00 €` in its microdata
text), a page with two variants, an out-of-stock page, and a bot wall.
"""

from __future__ import annotations

import json
from typing import Any, Final


def page(body: str, *, lang: str = "en", head: str = "", title: str = "Shop") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def ld(data: Any) -> str:
    return f'<script type="application/ld+json">\n{json.dumps(data, indent=2)}\n</script>'


NAV: Final = (
    '<header class="site-header"><nav><ul>'
    + "".join(f'<li><a href="/collections/c{i}">Category {i}</a></li>' for i in range(12))
    + "</ul></nav></header>"
)

SINGLE_OFFER: Final = page(
    NAV + '<main><h1 class="product__title">Acme kettle</h1>'
    '<div class="price"><span class="price-item">€49,99</span></div></main>',
    head=ld(
        {
            "@context": "http://schema.org/",
            "@type": "Product",
            "name": "Acme kettle",
            "sku": "AK-1",
            "image": ["https://shop.example/cdn/kettle.jpg"],
            "brand": {"@type": "Brand", "name": "Acme"},
            "offers": {
                "@type": "Offer",
                "price": "49.99",
                "priceCurrency": "EUR",
                "availability": "http://schema.org/InStock",
                "url": "https://shop.example/products/acme-kettle",
                "seller": {"@type": "Organization", "name": "Shop"},
            },
        }
    ),
    title="Acme kettle – Shop",
)

AGGREGATE_OFFER: Final = page(
    NAV + "<main><h1>Trail shoes</h1><p>from 89.00 USD at 4 sellers</p></main>",
    head=ld(
        {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": "Trail shoes",
            "offers": {
                "@type": "AggregateOffer",
                "lowPrice": 89.0,
                "highPrice": "129.95",
                "offerCount": 4,
                "priceCurrency": "USD",
            },
        }
    ),
)

GRAPH: Final = page(
    NAV + "<main><h1>Espresso grinder</h1></main>",
    head=ld(
        {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "WebSite", "@id": "https://shop.example/#website", "name": "Shop"},
                {
                    "@type": "BreadcrumbList",
                    "itemListElement": [{"@type": "ListItem", "position": 1, "name": "Home"}],
                },
                {
                    "@type": ["Product", "schema:IndividualProduct"],
                    "@id": "https://shop.example/grinder/#product",
                    "name": "Espresso grinder",
                    "sku": "EG-9",
                    "offers": [
                        {
                            "@type": "Offer",
                            "priceSpecification": [
                                {
                                    "@type": "UnitPriceSpecification",
                                    "price": "249.00",
                                    "priceCurrency": "GBP",
                                    "valueAddedTaxIncluded": "true",
                                }
                            ],
                            "availability": "https://schema.org/LimitedAvailability",
                        }
                    ],
                },
            ],
        }
    ),
)

MICRODATA: Final = page(
    NAV + '<div class="product-info-main" itemscope itemtype="http://schema.org/Product">'
    '<h1 class="page-title"><span itemprop="name">Cast iron pan</span></h1>'
    '<div class="price-box" itemprop="offers" itemscope itemtype="http://schema.org/Offer">'
    '<span class="price" itemprop="price" content="34.50">$34.50 was $40</span>'
    '<meta itemprop="priceCurrency" content="USD">'
    '<link itemprop="availability" href="http://schema.org/InStock">'
    "</div></div>",
)

OPENGRAPH_ONLY: Final = page(
    NAV + "<main><h1>Desk lamp</h1><p>CHF 79.90</p></main>",
    head=(
        '<meta property="og:type" content="product">'
        '<meta property="og:title" content="Desk lamp">'
        '<meta property="product:price:amount" content="79.90">'
        '<meta property="product:price:currency" content="CHF">'
        '<meta property="product:availability" content="in stock">'
    ),
)

GERMAN: Final = page(
    NAV + '<div itemscope itemtype="https://schema.org/Product">'
    '<h1 itemprop="name">Kaffeevollautomat</h1>'
    '<div itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
    '<span itemprop="price">1.226,00 €</span>'
    '<meta itemprop="priceCurrency" content="EUR">'
    '<meta itemprop="availability" content="https://schema.org/InStock">'
    "</div></div>",
    lang="de-DE",
)

VARIANTS: Final = page(
    NAV + "<main><h1>Merino sweater</h1></main>",
    head=ld(
        {
            "@context": "https://schema.org/",
            "@type": "ProductGroup",
            "name": "Merino sweater",
            "productGroupID": "MS",
            "hasVariant": [
                {
                    "@type": "Product",
                    "name": "Merino sweater – S",
                    "sku": "MS-S",
                    "offers": {"@type": "Offer", "price": "59.00", "priceCurrency": "EUR"},
                },
                {
                    "@type": "Product",
                    "name": "Merino sweater – XL",
                    "sku": "MS-XL",
                    "offers": {"@type": "Offer", "price": "64.00", "priceCurrency": "EUR"},
                },
                {
                    "@type": "Product",
                    "name": "Merino sweater – M",
                    "sku": "MS-M",
                    "offers": {"@type": "Offer", "price": "59.0", "priceCurrency": "EUR"},
                },
            ],
        }
    ),
)

OUT_OF_STOCK: Final = page(
    NAV + "<main><h1>Stand mixer</h1><p>Sold out</p></main>",
    head=ld(
        {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": "Stand mixer",
            "offers": {
                "@type": "Offer",
                "price": 299,
                "priceCurrency": "EUR",
                "availability": "https://schema.org/OutOfStock",
            },
        }
    ),
)

BOT_WALL: Final = page(
    "<h1>Access denied</h1><p>Please verify you are a human.</p>"
    '<div class="g-recaptcha" data-sitekey="x"></div>',
    title="Just a moment...",
)

NO_PRICE: Final = page(NAV + "<main><h1>About us</h1></main>", title="About us")


def huge(kb: int = 300) -> str:
    """The single-offer page grown to about `kb` KB the way real themes are: product
    cards nested ten deep with classes, data attributes, srcsets and inline SVG icons,
    breadcrumbs in microdata, and a large inline script of theme settings."""
    icon = (
        '<svg aria-hidden="true" focusable="false" class="icon icon-cart" viewBox="0 0 40 40">'
        '<path fill="currentColor" fill-rule="evenodd" d="M20.5 6.5a4.75 4.75 0 00-4.75 4.75v.56'
        "h-3.16l-.77 11.6a5 5 0 004.99 5.34h7.38a5 5 0 004.99-5.33l-.77-11.6h-3.16v-.57A4.75 "
        '4.75 0 0020.5 6.5z"/></svg>'
    )
    crumbs = (
        '<nav class="breadcrumbs"><ol itemscope itemtype="https://schema.org/BreadcrumbList">'
        + "".join(
            f'<li itemprop="itemListElement" itemscope itemtype="https://schema.org/ListItem">'
            f'<a itemprop="item" href="/c/{i}"><span itemprop="name">Level {i}</span></a>'
            f'<meta itemprop="position" content="{i}"></li>'
            for i in range(1, 5)
        )
        + "</ol></nav>"
    )

    def card(i: int) -> str:
        return (
            f'<li class="grid__item scroll-trigger animate--slide-in" data-cascade data-index="{i}"'
            f' style="--animation-order: {i};"><div class="card-wrapper product-card-wrapper'
            ' underline-links-hover"><div class="card card--standard card--media"'
            ' style="--ratio-percent: 100%;"><div class="card__inner color-scheme-2 gradient'
            ' ratio" style="--ratio-percent: 100%;"><div class="card__media"><div class="media'
            f' media--transparent media--hover-effect"><img srcset="/cdn/p{i}.jpg?width=165 165w,'
            f' /cdn/p{i}.jpg?width=360 360w, /cdn/p{i}.jpg?width=533 533w" src="/cdn/p{i}.jpg'
            f'?width=533" sizes="(min-width: 1200px) 267px, calc(100vw - 35px)" alt="Item {i}"'
            ' class="motion-reduce" loading="lazy" width="1000" height="1000"></div></div>'
            '<div class="card__content"><div class="card__information"><h3 class="card__heading'
            f' h5"><a href="/products/p{i}" id="CardLink-{i}" class="full-unstyled-link"'
            f' aria-labelledby="CardLink-{i} Badge-{i}">Recommended item {i}</a></h3>'
            '<div class="card-information"><div class="price"><div class="price__container">'
            '<div class="price__regular"><span class="visually-hidden">Regular price</span>'
            f'<span class="price-item price-item--regular">€{i % 90 + 9},99 EUR</span></div>'
            f"</div></div></div></div>{icon}</div></div></div></div></li>"
        )

    script = "<script>window.theme = " + json.dumps({"strings": ["x" * 60] * 500}) + ";</script>"
    body = crumbs + script + '<ul class="grid product-grid">'
    page_ = SINGLE_OFFER.replace("</main>", "</main>" + body)
    cards = []
    size = len(page_)
    i = 0
    while size < kb * 1024:
        cards.append(card(i))
        size += len(cards[-1])
        i += 1
    return page_.replace("</main>" + body, "</main>" + body + "".join(cards) + "</ul>")
