"""In-memory prices for the mock feed, and the random walk that moves them."""

from __future__ import annotations

import logging
import random
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Sequence

from mockfeed.catalog import Product

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
FLOOR_PRICE = Decimal("1.00")
MAX_STEP = Decimal("0.02")
"""A drift step never moves a price by more than this fraction of itself."""
NOISE_BASIS_POINTS = 100
"""Random part of a step: up to +-1% of the list price."""
REVERSION = Decimal("0.1")
"""Share of the distance to the list price won back each step. With the noise
above this keeps a price within +-10% of its list price once it is there."""
SALE_DISCOUNT_PERCENT = (20, 40)
SALE_STEPS = (3, 6)


class Market:
    """Current prices by product id. Prices are whole cents; None means unavailable.

    `drift()` is one step of the simulation; the caller decides how often it runs.
    """

    def __init__(
        self,
        products: Sequence[Product],
        rng: random.Random,
        *,
        sale_chance_percent: int = 5,
    ) -> None:
        if not 0 <= sale_chance_percent <= 100:
            raise ValueError(f"sale_chance_percent must be 0-100, got {sale_chance_percent}")
        self._rng = rng
        self._sale_chance_percent = sale_chance_percent
        self._products: dict[str, Product] = {}
        for product in products:
            if product.id in self._products:
                raise ValueError(f"duplicate product id {product.id!r}")
            self._products[product.id] = replace(product, price=_cents(product.price))
        self._list_prices: dict[str, Decimal] = {
            pid: p.price for pid, p in self._products.items() if p.price is not None
        }
        self._sale_steps_left: dict[str, int] = {}

    def products(self) -> list[Product]:
        return list(self._products.values())

    def prices(self, ids: Iterable[str]) -> dict[str, Decimal | None]:
        return {pid: self._products[pid].price for pid in ids if pid in self._products}

    def set_price(self, product_id: str, price: Decimal | None) -> Product:
        """Override a price (admin). Ends any sale; drift then walks it home."""
        product = replace(self._products[product_id], price=_cents(price))
        self._products[product_id] = product
        self._sale_steps_left.pop(product_id, None)
        if product.price is not None:
            self._list_prices.setdefault(product_id, product.price)
        return product

    def drift(self) -> None:
        for product_id, product in self._products.items():
            list_price = self._list_prices.get(product_id)
            if product.price is None or list_price is None:
                continue
            if product_id in self._sale_steps_left:
                new_price = self._sale_step(product_id, product.price, list_price)
            else:
                new_price = self._walk(product.price, list_price)
            self._products[product_id] = replace(product, price=new_price)
        if self._rng.randrange(100) < self._sale_chance_percent:
            self._start_sale()

    def _walk(self, price: Decimal, list_price: Decimal) -> Decimal:
        target = price + REVERSION * (list_price - price) + self._noise() * list_price
        limit = price * MAX_STEP
        step = min(max(target - price, -limit), limit)
        return max(_round(price + step), FLOOR_PRICE)

    def _sale_step(self, product_id: str, price: Decimal, list_price: Decimal) -> Decimal:
        self._sale_steps_left[product_id] -= 1
        if self._sale_steps_left[product_id] > 0:
            return price
        del self._sale_steps_left[product_id]
        logger.info("mock feed: sale on %s is over", product_id)
        return max(_round(list_price * (1 + self._noise())), FLOOR_PRICE)

    def _start_sale(self) -> None:
        candidates = [
            pid
            for pid, product in self._products.items()
            if pid not in self._sale_steps_left and product.price is not None
        ]
        if not candidates:
            return
        product_id = self._rng.choice(candidates)
        percent_off = self._rng.randint(*SALE_DISCOUNT_PERCENT)
        sale_price = self._list_prices[product_id] * (100 - percent_off) / 100
        sale_price = max(_round(sale_price), FLOOR_PRICE)
        self._products[product_id] = replace(self._products[product_id], price=sale_price)
        self._sale_steps_left[product_id] = self._rng.randint(*SALE_STEPS)
        logger.info("mock feed: %s on sale at %s (%d%% off)", product_id, sale_price, percent_off)

    def _noise(self) -> Decimal:
        """A random fraction in [-1%, +1%], drawn as whole basis points."""
        return Decimal(self._rng.randint(-NOISE_BASIS_POINTS, NOISE_BASIS_POINTS)) / 10_000


def _round(price: Decimal) -> Decimal:
    return price.quantize(CENT, rounding=ROUND_HALF_UP)


def _cents(price: Decimal | None) -> Decimal | None:
    return None if price is None else _round(price)
