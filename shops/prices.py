"""Prices as shops write them, read by the page's locale and the offer's currency.

`amount` takes what structured data holds: schema.org asks for a plain number with a
dot ("1226.00"), and most shops write that, but some put the shown text there
("1.226,00 €"). `shown_amount` takes text as people read it. The number is found by
price-parser (it knows currency signs, codes and the separators shops use), then read
with the page locale's separators by babel when they fit it ("1.226" is 1226 in German,
",89" is 0.89 there), else as price-parser guesses (a page in German may show
"1,600.00").
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Final

from babel import Locale, UnknownLocaleError
from babel.numbers import NumberFormatError, get_currency_precision, parse_decimal
from price_parser import Price

from domain.products import PRICE_CEILING

_MACHINE: Final = re.compile(r"\d{1,16}(?:\.\d{1,20})?")
_SPACES: Final = re.compile(r"[\s\u00a0\u2009\u202f'’]")
_NEGATIVE: Final = re.compile(r"[-−]\s*[.,]?$")
_CURRENCY_CODE: Final = re.compile(r"[A-Za-z]{3}")
_SIGNS: Final = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "₹": "INR", "zł": "PLN"}
"""Currency signs a page may show without a code; `$` is read as USD only when the
page names no currency (its structured data usually does)."""
MAX_TEXT: Final = 200


def amount(value: object, lang: str | None, currency: str | None) -> Decimal | None:
    """A structured-data price (a JSON number, or a string) as an exact positive decimal;
    None when it is no usable price."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, Decimal)):
        return _plausible(Decimal(value))
    if isinstance(value, float):
        return _plausible(Decimal(repr(value)))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _MACHINE.fullmatch(text) and not _grouped_by_dot(text, lang, currency):
        return _plausible(Decimal(text))
    return shown_amount(text, lang, currency)


def shown_amount(text: str, lang: str | None, currency: str | None) -> Decimal | None:
    """A price as a page shows it ("1.226,00 €", "€ 49,99", ",89", "1 299,00")."""
    if not text or len(text) > MAX_TEXT:
        return None
    found = Price.fromstring(text, currency_hint=currency)
    number = found.amount_text
    if not number:
        return None
    before = text[: text.find(number)] if number in text else ""
    if _NEGATIVE.search(before):
        return None
    if before[-1:] in (".", ","):  # ",89": price-parser drops the separator
        number = "0" + before[-1] + number
    number = _SPACES.sub("", number)
    locale = locale_of(lang)
    if locale is not None:
        try:
            return _plausible(parse_decimal(number, locale=locale, strict=True))
        except (NumberFormatError, InvalidOperation, ValueError):
            pass
    guessed = Price.fromstring(number).amount
    return None if guessed is None else _plausible(guessed)


def currency_of(value: object, shown: str | None = None) -> str | None:
    """An ISO 4217 code from structured data ("EUR"), else from a sign in shown text."""
    if isinstance(value, str) and _CURRENCY_CODE.fullmatch(value.strip()):
        return value.strip().upper()
    if shown:
        sign = Price.fromstring(shown).currency
        if sign:
            if _CURRENCY_CODE.fullmatch(sign):
                return sign.upper()
            return _SIGNS.get(sign)
    return None


@lru_cache(maxsize=256)
def locale_of(lang: str | None) -> Locale | None:
    """The page's `lang` ("de", "de-DE", "en_GB") as a babel locale; None if unknown."""
    if not lang:
        return None
    try:
        return Locale.parse(lang.strip().replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def _grouped_by_dot(text: str, lang: str | None, currency: str | None) -> bool:
    """ "1.226" in German is 1226: a dot followed by exactly three digits, more places
    than the currency has, where the page's locale groups thousands with a dot."""
    whole, dot, fraction = text.partition(".")
    if not dot or len(fraction) != 3:
        return False
    locale = locale_of(lang)
    if locale is None or locale.number_symbols.get("group") != ".":
        return False
    return _places(currency) < 3


def _places(currency: str | None) -> int:
    if not currency:
        return 2
    try:
        return int(get_currency_precision(currency))
    except (KeyError, ValueError):
        return 2


def _plausible(value: Decimal) -> Decimal | None:
    if not value.is_finite() or value <= 0 or value >= PRICE_CEILING:
        return None
    if value.as_tuple().exponent < -20:  # type: ignore[operator]
        return None
    return value
