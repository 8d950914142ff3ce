"""When a price fires a watch: pure functions of (rule, state, price)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from enum import Enum
from typing import Final

CENT: Final = Decimal("0.01")
HUNDRED: Final = Decimal(100)
HUGE_DROP_FRACTION: Final = Decimal("0.10")
"""A new price at or under 10% of the last one (a 90%+ drop) needs confirming."""
MAX_COMPARABLE_AMOUNT: Final = Decimal(10**13)
"""Amounts under this (10**15 cents) compare exactly as the store's 64-bit integers."""
MAX_COMPARABLE_PLACES: Final = 40
"""Amounts with more decimal places are left to `evaluate`: an exact fraction of them
would need an integer as long as their places."""


class RuleKind(str, Enum):
    PERCENT = "percent"
    BELOW = "below"
    PROTECT = "protect"
    """Price protection: fires below the price paid (`start_price`)."""


@dataclass(frozen=True)
class Rule:
    """What the user asked for, made concrete when the watch was created."""

    kind: RuleKind
    start_price: Decimal
    """The price when the watch was made; alerts compare against it."""
    trigger_price: Decimal
    threshold_percent: Decimal | None = None
    """A percent rule's drop; on a `below` rule an alert lowered, the relative gap
    under the price the user chose, which the next lowering keeps."""


@dataclass(frozen=True)
class RuleState:
    """What a watch remembers between polls."""

    armed: bool
    last_price: Decimal | None
    unconfirmed_price: Decimal | None = None
    crossings: int = 0
    crossed_from: Decimal | None = None
    """The price the watch saw just before its latest crossing (always above the
    trigger, since it was armed): what a `below` alert says the price fell from."""


@dataclass(frozen=True)
class Outcome:
    state: RuleState
    fired: bool


MONEY: Final = Context(prec=50, rounding=ROUND_HALF_UP)
"""Arithmetic on prices, whatever the thread's decimal context: botbuilder-dialogs'
number recognizers set that to 15 digits on import, too few for a 16-digit price."""


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, context=MONEY)


def is_price(value: Decimal | None) -> bool:
    """A usable price: a finite number above zero. Null, 0, negatives and NaN are not."""
    return value is not None and value.is_finite() and value > 0


def percent_rule(start_price: Decimal, threshold_percent: Decimal) -> Rule:
    with localcontext(MONEY):
        trigger = to_cents(start_price * (1 - threshold_percent / HUNDRED))
    return Rule(RuleKind.PERCENT, start_price, trigger, threshold_percent)


def below_rule(start_price: Decimal, target_price: Decimal) -> Rule:
    return Rule(RuleKind.BELOW, start_price, to_cents(target_price))


MIN_PROTECTED: Final = Decimal("0.02")
"""The least price a protection can watch: under it no price is left to fire at."""


def is_protectable(paid: Decimal) -> bool:
    """Whether `paid` leaves a positive trigger (`protect_rule`): 0.014 is $0.01, whose
    trigger would be $0.00, which no price ever reaches."""
    return to_cents(paid) >= MIN_PROTECTED


def protect_rule(paid: Decimal) -> Rule:
    """Alert when the price goes below what was paid: at `paid` - 0.01 or less."""
    paid = to_cents(paid)
    return Rule(RuleKind.PROTECT, paid, paid - CENT)


def protected_state(rule: Rule, current: Decimal | None, crossings: int = 0) -> RuleState:
    """A price protection's state, told the price now (None: unknown): a price already
    under the trigger counts as a crossing (the reply says so), so the poll does not
    alert about it again. `crossings`: those counted before (a protection renewed)."""
    if current is None:
        return replace(initial_state(rule), crossings=crossings)
    below = current <= rule.trigger_price
    return RuleState(
        armed=not below,
        last_price=current,
        crossings=crossings + int(below),
        crossed_from=rule.start_price if below else None,
    )


def retargeted(rule: Rule, target: Decimal, gap: Decimal | None = None) -> Rule:
    """The rule firing at `target` instead: a percent rule becomes a `below` one (its
    start price kept); a `below` or price protection rule keeps its kind. `gap`: the
    relative gap the target keeps (`domain.price_drops.chosen_gap`), which the next
    lowering keeps too."""
    kind = RuleKind.BELOW if rule.kind is RuleKind.PERCENT else rule.kind
    return Rule(kind, rule.start_price, to_cents(target), gap)


def initial_state(rule: Rule) -> RuleState:
    """Armed unless the price already sits at or under the trigger."""
    return RuleState(armed=rule.start_price > rule.trigger_price, last_price=rule.start_price)


def evaluate(trigger_price: Decimal, state: RuleState, price: Decimal | None) -> Outcome:
    """Fire once when the price first reaches the trigger; re-arm once it is back above.

    Its SQL twin, for the watches that follow a plain move, is in `state/rule_sql.py`:
    change one, change the other (a property test holds them equal,
    tests/state/test_bulk_moves.py)."""
    if price is None or not is_price(price):
        return Outcome(state, fired=False)
    if _is_huge_drop(state, price) and state.unconfirmed_price is None:
        return Outcome(replace(state, unconfirmed_price=price), fired=False)
    before = state.last_price
    state = replace(state, last_price=price, unconfirmed_price=None)
    if state.armed and price <= trigger_price:
        fired = replace(state, armed=False, crossings=state.crossings + 1, crossed_from=before)
        return Outcome(fired, fired=True)
    if not state.armed and price > trigger_price:
        return Outcome(replace(state, armed=True), fired=False)
    return Outcome(state, fired=False)


def comparable_cents(amount: Decimal) -> int | None:
    """`amount` in cents when it is whole cents (as every trigger is) and small enough
    to compare as an integer in the store; otherwise None."""
    if not amount.is_finite() or not 0 <= amount < MAX_COMPARABLE_AMOUNT:
        return None
    if amount.as_tuple().exponent < -MAX_COMPARABLE_PLACES:
        return None
    cents, remainder = divmod(*_hundredfold_ratio(amount))
    return None if remainder else cents


def cents_up(price: Decimal) -> int | None:
    """A price in cents, rounded up, when comparable.

    Triggers are whole cents, so `price <= trigger` exactly when
    `cents_up(price) <= comparable_cents(trigger)`: 0.005 is above a trigger of 0.00.
    """
    if not is_price(price) or price >= MAX_COMPARABLE_AMOUNT:
        return None
    if price.as_tuple().exponent < -MAX_COMPARABLE_PLACES:
        return None
    numerator, denominator = _hundredfold_ratio(price)
    return -(-numerator // denominator)


def _hundredfold_ratio(amount: Decimal) -> tuple[int, int]:
    """100 x amount as an exact fraction. Decimal arithmetic would round to the context's
    precision, which botbuilder-dialogs' number recognizers set to 15 digits on import."""
    numerator, denominator = amount.as_integer_ratio()
    return numerator * 100, denominator


def plain_move_cents(previous: Decimal, price: Decimal) -> int | None:
    """`cents_up(price)` if the move from `previous` to `price` is plain, else None.

    Plain: a watch that last saw `previous`, awaits no confirmation and is not paused
    takes `price` by comparing it with its trigger alone (see `evaluate`): it fires if
    it was armed and `price <= trigger`, and then is armed exactly when `price > trigger`.
    A huge drop needs confirming, so it is not plain; nor is a price too big to compare.
    """
    if not is_price(previous) or _is_huge_drop(RuleState(True, previous), price):
        return None
    return cents_up(price)


def _is_huge_drop(state: RuleState, price: Decimal) -> bool:
    return state.last_price is not None and price <= state.last_price * HUGE_DROP_FRACTION
