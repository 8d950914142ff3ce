"""Alert facts' collaborators for tests whose cards show no low and no chart."""

from __future__ import annotations

from datetime import datetime
from typing import Mapping, Sequence

from domain.history import PricePoint


async def no_lows(product_ids: Sequence[str], since: datetime) -> Mapping[str, PricePoint]:
    """Price history that holds no prices yet."""
    return {}


async def no_chart(
    product_id: str, currency: str, zone: str | None, not_before: datetime | None
) -> str | None:
    """A chart service with no chart to show."""
    return None
