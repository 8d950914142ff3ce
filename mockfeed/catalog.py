"""The products the mock feed starts with."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Product:
    """A product as the mock feed lists it; None is an unavailable price."""

    id: str
    name: str
    price: Decimal | None
    currency: str


# (id, name, list price). Single words mostly name one product; "coffee" is
# shared on purpose so the bot's "which one did you mean?" path can be tried.
_CATALOG: tuple[tuple[str, str, str], ...] = (
    ("p-100", "Noise-cancelling headphones", "199.99"),
    ("p-200", "Espresso machine", "449.00"),
    ("p-300", "27-inch 4K monitor", "329.99"),
    ("p-400", "Mechanical keyboard", "89.99"),
    ("p-500", "Robot vacuum", "279.00"),
    ("p-600", "Trail running shoes", "129.95"),
    ("p-700", "Electric standing desk", "499.00"),
    ("p-800", "Chef's knife", "119.00"),
    ("p-900", "E-reader", "139.99"),
    ("p-1000", "Fitness smartwatch", "249.00"),
    ("p-1100", "Cast-iron skillet", "39.95"),
    ("p-1200", "Hiking backpack", "79.99"),
    ("p-1300", "Burr coffee grinder", "149.00"),
    ("p-1400", "Single-origin coffee beans", "18.50"),
)


def default_catalog() -> list[Product]:
    return [
        Product(id=product_id, name=name, price=Decimal(price), currency="USD")
        for product_id, name, price in _CATALOG
    ]
