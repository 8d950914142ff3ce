"""A drop as the user reads it: figures from the prices as shown, and the lower target."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.price_drops import lowered_target, price_drop
from domain.rules import below_rule, percent_rule

D = Decimal


@pytest.mark.parametrize(
    ("old", "new", "amount", "percent"),
    [
        ("199.99", "149.99", "50.00", "25.0"),
        ("199.99", "199.98", "0.01", "0.0"),
        ("0.125", "0.10", "0.03", "23.1"),  # 0.125 shows as $0.13 (half up): 0.13 - 0.10
        ("100.00", "100.004", "0.00", "0.0"),
        ("100.00", "120.00", "-20.00", "-20.0"),
    ],
)
def test_the_drop_is_of_the_prices_as_shown(old: str, new: str, amount: str, percent: str) -> None:
    drop = price_drop(D(old), D(new))
    assert (str(drop.amount), str(drop.percent)) == (amount, percent)


def test_a_lower_target_is_under_the_trigger_and_above_zero() -> None:
    rule = percent_rule(D("199.99"), D(20))
    assert lowered_target(rule, price_drop(D("199.99"), D("149.99"))) == D("119.99")
    assert lowered_target(rule, price_drop(D("0.02"), D("0.01"))) is None, "would be $0.01"
    target = below_rule(D(350), D(300))
    assert lowered_target(target, price_drop(D("310"), D("290"))) == D("270.00")
    assert lowered_target(target, price_drop(D("300"), D("150"))) is None, "0 or less"
    assert lowered_target(target, price_drop(D("290"), D("295"))) is None, "it went up"
