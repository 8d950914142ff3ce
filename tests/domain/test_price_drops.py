"""A drop as the user reads it: figures from the prices as shown, and the lower target."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.price_drops import chosen_gap, lowered_target, price_drop
from domain.rules import Rule, below_rule, percent_rule, retargeted

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
    target = below_rule(D(350), D(300))  # 14.29% under the price then
    assert lowered_target(target, price_drop(D("310"), D("290"))) == D("248.56")
    assert lowered_target(target, price_drop(D("290"), D("295"))) is None, "it went up"


@pytest.mark.parametrize(
    ("rule", "old", "new", "offered"),
    [
        # below 300 made at $449 (33.18% under): at $299, 33.18% under $299, not $149.00
        (below_rule(D(449), D(300)), "449.00", "299.00", "199.79"),
        # below 80 made at $89.99 (11.10% under): at $59.99, not $29.99
        (below_rule(D("89.99"), D(80)), "89.99", "59.99", "53.33"),
        # a 60% drop would go under half the new price: half it is
        (percent_rule(D(100), D(60)), "100.00", "40.00", "20.00"),
        (percent_rule(D(100), D(20)), "100.00", "80.00", "64.00"),
    ],
)
def test_lower_my_target_keeps_the_gap_the_user_chose_never_under_half(
    rule: Rule, old: str, new: str, offered: str
) -> None:
    assert lowered_target(rule, price_drop(D(old), D(new))) == D(offered)


def test_a_target_above_the_price_when_made_offers_no_lower_one() -> None:
    assert chosen_gap(below_rule(D(100), D(150))) is None
    assert lowered_target(below_rule(D(100), D(150)), price_drop(D(160), D(140))) is None


def test_a_lowered_target_keeps_its_gap_for_the_next_lowering() -> None:
    rule = below_rule(D(449), D(300))
    lowered = retargeted(rule, D("199.79"), chosen_gap(rule))
    assert chosen_gap(lowered) == D("33.18")
    assert lowered_target(lowered, price_drop(D("199.79"), D(180))) == D("120.28")
