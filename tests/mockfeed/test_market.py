import random
from decimal import Decimal

import pytest

from mockfeed import Market, default_catalog
from mockfeed.catalog import Product

CENT = Decimal("0.01")


def market(seed: int = 7, **options: int) -> Market:
    return Market(default_catalog(), random.Random(seed), **options)


def current(m: Market) -> dict[str, Decimal]:
    """Every price, for markets where none is unavailable."""
    prices = {p.id: p.price for p in m.products()}
    assert all(price is not None for price in prices.values())
    return prices  # type: ignore[return-value]


def price_of(m: Market, product_id: str) -> Decimal:
    price = m.prices([product_id])[product_id]
    assert price is not None
    return price


def test_starts_at_list_prices() -> None:
    assert market().products() == default_catalog()


def test_prices_leaves_out_unknown_ids() -> None:
    assert market().prices(["p-100", "nope", "p-200"]) == {
        "p-100": Decimal("199.99"),
        "p-200": Decimal("449.00"),
    }


def test_set_price_changes_one_product() -> None:
    m = market()

    updated = m.set_price("p-100", Decimal("149.9"))

    assert updated == Product("p-100", "Noise-cancelling headphones", Decimal("149.90"), "USD")
    assert str(price_of(m, "p-100")) == "149.90"
    assert m.prices(["p-200"]) == {"p-200": Decimal("449.00")}


def test_set_price_to_none_makes_a_product_unavailable_through_drift() -> None:
    m = market()

    m.set_price("p-100", None)
    for _ in range(50):
        m.drift()

    assert m.prices(["p-100"]) == {"p-100": None}


def test_set_price_of_unknown_product_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        market().set_price("p-999", Decimal("1.00"))


def test_duplicate_ids_are_refused() -> None:
    product = default_catalog()[0]
    with pytest.raises(ValueError, match="p-100"):
        Market([product, product], random.Random(0))


def test_same_seed_same_walk() -> None:
    a, b = market(seed=3), market(seed=3)
    for _ in range(100):
        a.drift()
        b.drift()

    assert a.products() == b.products()


def test_drift_stays_within_bounds_for_1000_steps() -> None:
    m = market(seed=1234)
    list_prices = current(m)
    before = list_prices

    for _ in range(1000):
        m.drift()
        after = current(m)
        sale_starts = 0
        for product_id, price in after.items():
            old, listed = before[product_id], list_prices[product_id]
            assert price >= Decimal("1.00")
            assert price == price.quantize(CENT)
            assert listed * Decimal("0.6") - CENT <= price <= listed * Decimal("1.1") + CENT
            if abs(price - old) <= old * Decimal("0.02") + CENT:
                continue
            if price < old:  # a sale starts: 20-40% off the list price
                assert listed * Decimal("0.6") - CENT <= price <= listed * Decimal("0.8") + CENT
                sale_starts += 1
            else:  # a sale ends: back to about the list price
                assert abs(price - listed) <= listed * Decimal("0.01") + CENT
        assert sale_starts <= 1
        before = after


def test_sales_happen_and_recover() -> None:
    m = market(seed=99)
    list_prices = current(m)
    on_sale_since: dict[str, int] = {}
    sales = 0

    for step in range(1000):
        before = current(m)
        m.drift()
        for product_id, price in current(m).items():
            listed, old = list_prices[product_id], before[product_id]
            if price <= listed * Decimal("0.8") + CENT and old > listed * Decimal("0.85"):
                on_sale_since[product_id] = step
                sales += 1
            elif product_id in on_sale_since and price >= listed * Decimal("0.9"):
                assert step - on_sale_since.pop(product_id) <= 6
    # 5% a step: about 50 sales expected.
    assert 20 <= sales <= 100
    assert all(1000 - since <= 7 for since in on_sale_since.values())


def test_no_sales_when_the_chance_is_zero() -> None:
    m = market(sale_chance_percent=0)
    list_prices = current(m)
    for _ in range(1000):
        m.drift()
        for product_id, price in current(m).items():
            listed = list_prices[product_id]
            assert abs(price - listed) <= listed * Decimal("0.1") + CENT


def test_drift_walks_an_admin_price_back_towards_the_list_price() -> None:
    m = market(sale_chance_percent=0)
    m.set_price("p-100", Decimal("149.99"))
    prices = [Decimal("149.99")]

    for _ in range(40):
        m.drift()
        prices.append(price_of(m, "p-100"))

    band = Decimal("199.99") * Decimal("0.9")
    home = next(n for n, price in enumerate(prices) if price >= band)
    for old, new in zip(prices[:home], prices[1 : home + 1]):
        assert old < new <= old * Decimal("1.02") + CENT
    assert all(price >= band - CENT for price in prices[home:])


def test_a_product_without_a_list_price_gets_one_from_its_first_set_price() -> None:
    m = Market(
        [Product("p-1", "Mystery box", None, "USD")], random.Random(5), sale_chance_percent=0
    )
    for _ in range(10):
        m.drift()
    assert m.prices(["p-1"]) == {"p-1": None}

    m.set_price("p-1", Decimal("10.00"))
    for _ in range(500):
        m.drift()
        assert Decimal("8.99") <= price_of(m, "p-1") <= Decimal("11.01")


def test_drift_never_goes_below_one_dollar() -> None:
    m = Market(
        [Product("p-1", "Sticker", Decimal("1.00"), "USD")],
        random.Random(11),
        sale_chance_percent=100,
    )
    for _ in range(200):
        m.drift()
        assert price_of(m, "p-1") >= Decimal("1.00")


def test_sale_chance_is_a_percentage() -> None:
    with pytest.raises(ValueError, match="sale_chance_percent"):
        Market(default_catalog(), random.Random(0), sale_chance_percent=101)
