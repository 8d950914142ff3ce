import re
from collections import Counter
from decimal import Decimal

from mockfeed import default_catalog


def test_catalog_is_a_dozen_or_so_usd_products_with_unique_ids() -> None:
    catalog = default_catalog()

    assert 12 <= len(catalog) <= 14
    assert [p.id for p in catalog] == [f"p-{n}00" for n in range(1, len(catalog) + 1)]
    assert {p.currency for p in catalog} == {"USD"}
    assert all(p.price is not None and p.price > 0 for p in catalog)


def test_catalog_has_the_products_the_docs_mention() -> None:
    by_id = {p.id: p for p in default_catalog()}

    assert by_id["p-100"].name == "Noise-cancelling headphones"
    assert by_id["p-100"].price == Decimal("199.99")
    assert "espresso machine" in by_id["p-200"].name.lower()
    assert str(by_id["p-200"].price) == "449.00"


def test_only_coffee_names_more_than_one_product() -> None:
    words = Counter(
        word
        for product in default_catalog()
        for word in set(re.findall(r"[a-z0-9]{2,}", product.name.lower()))
    )

    assert {word for word, count in words.items() if count > 1} == {"coffee"}
    assert words["coffee"] == 2


def test_each_call_builds_a_fresh_list() -> None:
    first = default_catalog()
    first.clear()

    assert default_catalog()
