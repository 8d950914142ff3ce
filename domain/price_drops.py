"""A price drop as a user reads it, and the lower target an alert offers.

Every figure comes from the prices as shown (whole cents), so the drop in money is
exactly old minus new on the screen, and the percent is of those same two numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, localcontext
from typing import Final

from domain.rules import CENT, HUNDRED, MONEY, Rule, RuleKind, to_cents

TENTH: Final = Decimal("0.1")
HUNDREDTH: Final = Decimal("0.01")


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


def chosen_gap(rule: Rule) -> Decimal | None:
    """How far under the price the user chose to be told, in percent: a percent rule's
    drop; for a `below` target, the percent it was under the price when the watch was
    made (kept as the rule's `threshold_percent` once an alert lowered it). None when
    there is none (a target at or above the price then; price protection)."""
    if rule.kind is RuleKind.PROTECT:
        return None
    if rule.threshold_percent is not None:
        return rule.threshold_percent
    if rule.kind is not RuleKind.BELOW or rule.start_price <= rule.trigger_price:
        return None
    with localcontext(MONEY):
        gap = (rule.start_price - rule.trigger_price) / rule.start_price * HUNDRED
    return gap.quantize(HUNDREDTH, context=MONEY)


def lowest_target(price: Decimal) -> Decimal:
    """The lowest target "Lower my target" sets under `price`: half of it, in cents up."""
    with localcontext(MONEY):
        return (price / 2).quantize(CENT, rounding=ROUND_CEILING)


def lowered_target(rule: Rule, drop: PriceDrop) -> Decimal | None:
    """ "Lower my target": the same relative gap the user chose (`chosen_gap`) under the
    new price, and never under half the new price. None unless that is a price under
    both the new price and the current trigger (a lower target)."""
    gap = chosen_gap(rule)
    if gap is None or drop.amount <= 0:
        return None
    with localcontext(MONEY):
        target = to_cents(drop.new * (1 - gap / HUNDRED))
    target = max(target, lowest_target(drop.new))
    if target < CENT or target >= min(drop.new, rule.trigger_price):
        return None
    return target


def is_protection(rule: Rule | None) -> bool:
    return rule is not None and rule.kind is RuleKind.PROTECT


def protection_claim(paid: Decimal, new: Decimal) -> Decimal:
    """What a buyer may claim back: the price paid minus the new price."""
    return max(to_cents(paid) - to_cents(new), Decimal(0))
