from decimal import Decimal

import pytest

from bench import shop_pages
from shops.reading import Offer, Source, is_available, read_page


@pytest.mark.parametrize(
    ("html", "name", "price", "currency", "source"),
    [
        (shop_pages.SINGLE_OFFER, "Acme kettle", "49.99", "EUR", Source.JSON_LD),
        (shop_pages.AGGREGATE_OFFER, "Trail shoes", "89.0", "USD", Source.JSON_LD),
        (shop_pages.GRAPH, "Espresso grinder", "249.00", "GBP", Source.JSON_LD),
        (shop_pages.MICRODATA, "Cast iron pan", "34.50", "USD", Source.MICRODATA),
        (shop_pages.OPENGRAPH_ONLY, "Desk lamp", "79.90", "CHF", Source.OPENGRAPH),
        (shop_pages.GERMAN, "Kaffeevollautomat", "1226.00", "EUR", Source.MICRODATA),
        (shop_pages.huge(), "Acme kettle", "49.99", "EUR", Source.JSON_LD),
    ],
)
def test_a_page_is_read_from_its_structured_data(html, name, price, currency, source):
    reading = read_page(html.encode())
    assert reading.name == name
    assert reading.source is source
    offer = reading.offer()
    assert offer is not None
    assert (offer.price, offer.currency, offer.available) == (Decimal(price), currency, True)


def test_microdata_content_comes_before_the_text():
    # The text says "$34.50 was $40"; content says 34.50.
    assert read_page(shop_pages.MICRODATA).offers == (Offer(Decimal("34.50"), "USD"),)


def test_variants_at_different_prices_are_offers_to_choose_from():
    reading = read_page(shop_pages.VARIANTS)
    assert reading.has_variants
    # S and M are both 59 (written 59.00 and 59.0): one offer.
    assert [(o.sku, o.price) for o in reading.offers] == [
        ("MS-S", Decimal("59.00")),
        ("MS-XL", Decimal("64.00")),
    ]
    assert reading.offer() is None
    assert reading.offer("MS-XL").price == Decimal("64.00")
    assert reading.offer("MS-XXL") is None


def test_out_of_stock_is_a_price_that_cannot_be_bought():
    offer = read_page(shop_pages.OUT_OF_STOCK).offer()
    assert offer is not None and not offer.available


@pytest.mark.parametrize(
    ("value", "available"),
    [
        ("https://schema.org/OutOfStock", False),
        ("http://schema.org/SoldOut", False),
        ("Discontinued", False),
        ("out of stock", False),
        ("schema:OutOfStock", False),
        ("https://schema.org/InStock", True),
        ("LimitedAvailability", True),
        ("https://schema.org/OnlineOnly", True),
        ("PreOrder", True),
        ("in stock", True),
        (None, True),
    ],
)
def test_availability(value, available):
    assert is_available(value) is available


@pytest.mark.parametrize("html", [shop_pages.BOT_WALL, shop_pages.NO_PRICE, "", "<<<>>>"])
def test_a_page_without_a_price_is_not_found(html):
    assert not read_page(html).found


def test_json_ld_that_does_not_parse_falls_through_to_microdata():
    broken = shop_pages.MICRODATA.replace(
        "</head>", '<script type="application/ld+json">{"@type": "Product",</script></head>'
    )
    reading = read_page(broken)
    assert reading.source is Source.MICRODATA


def test_related_products_nested_in_json_ld_are_not_the_product():
    html = shop_pages.page(
        "",
        head=shop_pages.ld(
            {
                "@type": "WebPage",
                "mainEntity": {
                    "@type": "ItemList",
                    "itemListElement": [
                        {"@type": "Product", "name": "Other", "offers": {"price": "1.00"}}
                    ],
                },
            }
        ),
    )
    assert not read_page(html).found


def test_a_page_in_windows_1252_is_read():
    html = shop_pages.GERMAN.replace('charset="utf-8"', 'charset="windows-1252"')
    reading = read_page(html.encode("cp1252"))
    assert reading.offer().price == Decimal("1226.00")
    assert reading.name == "Kaffeevollautomat"
