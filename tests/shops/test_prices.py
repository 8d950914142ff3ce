from decimal import Decimal

import pytest

from shops.prices import amount, currency_of, shown_amount


@pytest.mark.parametrize(
    ("text", "lang", "currency", "expected"),
    [
        ("1.226,00 €", "de", "EUR", "1226.00"),
        ("1,600.00", "en", "USD", "1600.00"),
        ("1,600.00", "de", "EUR", "1600.00"),  # a German page showing an English price
        ("€ 49,99", "de", None, "49.99"),
        ("49.99 EUR", None, None, "49.99"),
        (",89", "de", "EUR", "0.89"),
        (",89", None, None, "0.89"),
        ("1 299,00", "fr", "EUR", "1299.00"),
        ("1\u202f299,00\u00a0€", "fr", "EUR", "1299.00"),
        ("1.226", "de", "EUR", "1226"),
        ("CHF 1'299.00", "de-CH", "CHF", "1299.00"),
        ("Preis: 1.226,00 € inkl. MwSt.", "de", "EUR", "1226.00"),
        ("12,-", "de", "EUR", "12"),
    ],
)
def test_shown_prices_are_read_by_the_page_locale(text, lang, currency, expected):
    assert shown_amount(text, lang, currency) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "free", "-3", "- 3,50 €", "0,00 €", "x" * 300])
def test_what_is_no_price_is_none(text):
    assert shown_amount(text, "de", "EUR") is None


@pytest.mark.parametrize(
    ("value", "lang", "currency", "expected"),
    [
        ("49.99", "de", "EUR", "49.99"),  # schema.org's dot, whatever the page's language
        (Decimal("49.99"), "de", "EUR", "49.99"),
        (89, None, None, "89"),
        (49.99, None, None, "49.99"),
        ("1.226", "de", "EUR", "1226"),  # three places more than euros have: grouping
        ("1.226", "en", "USD", "1.226"),
        ("12.345", "de", "KWD", "12.345"),  # dinars have three places
        ("1.226,00", "de", "EUR", "1226.00"),  # the shown text put in structured data
    ],
)
def test_structured_data_prices(value, lang, currency, expected):
    assert amount(value, lang, currency) == Decimal(expected)


@pytest.mark.parametrize("value", [None, True, "0", "-3", 0, "NaN", Decimal("1E+20"), [], {"a": 1}])
def test_unusable_structured_prices_are_none(value):
    assert amount(value, "en", "USD") is None


def test_currencies_from_codes_and_signs():
    assert currency_of("eur") == "EUR"
    assert currency_of(None, "1.226,00 €") == "EUR"
    assert currency_of(None, "CHF 79.90") == "CHF"
    assert currency_of("euros", "49") is None
