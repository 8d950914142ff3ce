"""A price drop as a user reads it, and the lower target an alert offers.

Every figure comes from the prices as shown (whole cents), so the drop in money is
exactly old minus new on the screen, and the percent is of those same two numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Final

from domain.rules import CENT, HUNDRED, MONEY, Rule, RuleKind, percent_rule, to_cents

TENTH: Final = Decimal("0.1")


@dataclass(frozen=True)
class PriceDrop:
    old: Decimal
    """The old price in whole cents, as shown."""
    new: Decimal
    """The new price in whole cents, as shown."""

    @property
    def amount(self) -> Decimal:
        """How much less it costs: old minus new as shown; 0 or less when it did not drop."""
        return self.old - self.new

    @property
    def percent(self) -> Decimal:
        """The drop in percent of the old price, to one decimal (0.0 for a tiny drop)."""
        if self.old <= 0:
            return Decimal(0)
        with localcontext(MONEY):
            return (self.amount / self.old * HUNDRED).quantize(TENTH)


def price_drop(old: Decimal, new: Decimal) -> PriceDrop:
    return PriceDrop(to_cents(old), to_cents(new))


def lowered_target(rule: Rule, drop: PriceDrop) -> Decimal | None:
    """ "The new price minus the same drop": the same percent off the new price for a
    percent rule, the new price minus the money drop for a target. None unless that is a
    positive price under both the new price and the current trigger (a lower target)."""
    if rule.kind is RuleKind.PERCENT and rule.threshold_percent is not None:
        target = percent_rule(drop.new, rule.threshold_percent).trigger_price
    elif rule.kind is RuleKind.BELOW:
        target = drop.new - drop.amount
    else:
        return None
    if target < CENT or target >= min(drop.new, rule.trigger_price):
        return None
    return target


def is_protection(rule: Rule | None) -> bool:
    return rule is not None and rule.kind is RuleKind.PROTECT


def protection_claim(paid: Decimal, new: Decimal) -> Decimal:
    """What a buyer may claim back: the price paid minus the new price."""
    return max(to_cents(paid) - to_cents(new), Decimal(0))
