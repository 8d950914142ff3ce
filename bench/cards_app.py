"""The app with stand-ins for price history and charts, so every alert card has a
90-day low and a chart: what the fan-out benchmark measures.

python -m bench.cards_app   (configured from the environment like app.py)
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Mapping, Sequence

from aiohttp import web

from app import create_app
from domain.alert_facts import LowestPrice
from settings import Settings

CHART_BASE = "https://charts.pricewatch.example/v1/products"


async def lows_since(product_ids: Sequence[str], since: datetime) -> Mapping[str, LowestPrice]:
    low = LowestPrice(Decimal("89.99"), since + timedelta(days=30))
    return {product_id: low for product_id in product_ids}


async def chart_url(product_id: str, currency: str) -> str:
    return f"{CHART_BASE}/{product_id}/history-90d.png?v=20261202T101500Z"


def main() -> None:
    settings = Settings.from_env(os.environ)
    web.run_app(
        create_app(settings, lows_since=lows_since, chart_url=chart_url),
        host=settings.host,
        port=settings.port,
        print=None,
    )


if __name__ == "__main__":
    main()
