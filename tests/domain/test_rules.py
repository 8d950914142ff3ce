from decimal import Context, Decimal, localcontext

import pytest

from domain.rules import (
    Rule,
    RuleKind,
    RuleState,
    below_rule,
    cents_up,
    comparable_cents,
    evaluate,
    initial_state,
    percent_rule,
    plain_move_cents,
)

D = Decimal
GLITCHES = [
    None,
    D("0"),
    D("0.00"),
    D("-0"),
    D("-1"),
    D("NaN"),
    D("sNaN"),
    D("Infinity"),
    D("-Infinity"),
]


def make_rule(start: str, kind: str, value: str) -> Rule:
    if kind == "percent":
        return percent_rule(D(start), D(value))
    return below_rule(D(start), D(value))


def alerting_polls(rule: Rule, prices: list[Decimal | None]) -> tuple[list[int], RuleState]:
    """Run a watch through polled prices; the indexes of the polls that alerted."""
    state = initial_state(rule)
    fired: list[int] = []
    for index, price in enumerate(prices):
        outcome = evaluate(rule.trigger_price, state, price)
        if outcome.fired:
            fired.append(index)
        state = outcome.state
    return fired, state


# (description, start price, (rule kind, threshold % or target), polled prices, polls that alert)
CASES = [
    ("simple 20% drop", "199.99", ("percent", "20"), ["199.99", "150.00"], [1]),
    ("a smaller drop does not alert", "199.99", ("percent", "20"), ["190.00", "170.00"], []),
    (
        "gradual drift down crosses once",
        "100",
        ("percent", "20"),
        ["95", "90", "85", "81", "79.99", "79", "75"],
        [4],
    ),
    ("staying low for many polls alerts once", "100", ("percent", "20"), ["70"] * 10, [0]),
    (
        "back above then below again alerts a second time",
        "100",
        ("percent", "20"),
        ["79", "78", "85", "79", "90", "80"],
        [0, 3, 5],
    ),
    ("exactly at the trigger alerts", "100", ("percent", "20"), ["80.00"], [0]),
    ("1 cent above the trigger does not", "100", ("percent", "20"), ["80.01"], []),
    (
        "re-arming needs a price above the trigger, not at it",
        "100",
        ("percent", "20"),
        ["79", "80.00", "79"],
        [0],
    ),
    (
        "glitches while armed change nothing",
        "199.99",
        ("percent", "20"),
        ["199.99", *GLITCHES, "150.00"],
        [len(GLITCHES) + 1],
    ),
    (
        "glitches after an alert do not re-arm it",
        "199.99",
        ("percent", "20"),
        ["150.00", *GLITCHES, "150.00", "149.00"],
        [0],
    ),
    (
        "glitches between a huge drop and its confirmation are ignored",
        "199.99",
        ("percent", "20"),
        ["0.01", None, D("NaN"), "0", "0.01"],
        [4],
    ),
    ("huge drop then back is a glitch", "199.99", ("percent", "20"), ["0.01", "199.99"], []),
    (
        "huge drop confirmed on the next poll alerts on the confirming poll",
        "199.99",
        ("percent", "20"),
        ["0.01", "0.01"],
        [1],
    ),
    (
        "any price at or under 10% of the last good one confirms",
        "199.99",
        ("percent", "20"),
        ["0.01", "19.99"],
        [1],
    ),
    (
        "a real drop right after a huge glitch still alerts",
        "199.99",
        ("percent", "20"),
        ["0.01", "150.00"],
        [1],
    ),
    (
        "flapping huge drops never alert",
        "199.99",
        ("percent", "20"),
        ["0.01", "199.99", "0.01", "199.99", "0.01", "199.99"],
        [],
    ),
    (
        "a drop of exactly 90% needs confirming",
        "100",
        ("percent", "20"),
        ["10.00", "85"],
        [],
    ),
    (
        "a drop just under 90% is not held back",
        "100",
        ("percent", "20"),
        ["10.01"],
        [0],
    ),
    (
        "below rule alerts at the target, again after going back above",
        "449.00",
        ("below", "400"),
        ["420", "400.00", "390", "401", "399.99"],
        [1, 4],
    ),
    (
        "watch made under the target waits for a rise before alerting",
        "300",
        ("below", "350"),
        ["300", "340", "349.99", "360", "349"],
        [4],
    ),
    (
        "watch made exactly at the target waits for a rise too",
        "350",
        ("below", "350"),
        ["350", "349", "351", "350"],
        [3],
    ),
]


@pytest.mark.parametrize(
    ("start", "rule_spec", "prices", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_which_polls_alert(
    start: str, rule_spec: tuple[str, str], prices: list, expected: list[int]
) -> None:
    rule = make_rule(start, *rule_spec)
    polled = [D(p) if isinstance(p, str) else p for p in prices]

    fired, final = alerting_polls(rule, polled)

    assert fired == expected
    assert final.crossings == len(expected)


@pytest.mark.parametrize("glitch", GLITCHES, ids=repr)
@pytest.mark.parametrize(
    "state",
    [
        RuleState(armed=True, last_price=D("199.99")),
        RuleState(armed=False, last_price=D("150.00"), crossings=1),
        RuleState(armed=True, last_price=D("199.99"), unconfirmed_price=D("0.01")),
    ],
    ids=["armed", "fired", "awaiting confirmation"],
)
def test_a_glitch_is_not_a_price_and_leaves_state_alone(
    glitch: Decimal | None, state: RuleState
) -> None:
    outcome = evaluate(D("159.99"), state, glitch)

    assert outcome.fired is False
    assert outcome.state == state


def test_huge_drop_is_remembered_until_the_next_poll() -> None:
    rule = percent_rule(D("199.99"), D("20"))

    outcome = evaluate(rule.trigger_price, initial_state(rule), D("0.01"))

    assert outcome.fired is False
    assert outcome.state.unconfirmed_price == D("0.01")
    assert outcome.state.last_price == D("199.99")
    assert outcome.state.armed is True


def test_a_non_confirming_price_discards_the_unconfirmed_one() -> None:
    state = RuleState(armed=True, last_price=D("199.99"), unconfirmed_price=D("0.01"))

    outcome = evaluate(D("159.99"), state, D("190.00"))

    assert outcome.fired is False
    assert outcome.state == RuleState(armed=True, last_price=D("190.00"))


@pytest.mark.parametrize(
    ("start", "threshold", "trigger"),
    [
        ("199.99", "20", "159.99"),
        ("100", "20", "80.00"),
        ("449.00", "15", "381.65"),
        ("18.50", "33", "12.40"),  # 12.395 rounds half up
        ("0.05", "50", "0.03"),  # 0.025 rounds half up
        ("129.95", "12.5", "113.71"),
    ],
)
def test_percent_rule_trigger_is_rounded_to_cents(start: str, threshold: str, trigger: str) -> None:
    rule = percent_rule(D(start), D(threshold))

    assert rule.kind is RuleKind.PERCENT
    assert rule.start_price == D(start)
    assert rule.threshold_percent == D(threshold)
    assert str(rule.trigger_price) == trigger


def test_below_rule_target_is_rounded_to_cents() -> None:
    rule = below_rule(D("449.00"), D("399.999"))

    assert rule.kind is RuleKind.BELOW
    assert rule.threshold_percent is None
    assert str(rule.trigger_price) == "400.00"


@pytest.mark.parametrize(
    ("start", "target", "armed"),
    [
        ("449.00", "400", True),
        ("300", "350", False),
        ("350", "350", False),
        ("350.01", "350", True),
    ],
)
def test_initial_state_is_armed_only_above_the_trigger(
    start: str, target: str, armed: bool
) -> None:
    state = initial_state(below_rule(D(start), D(target)))

    assert state == RuleState(armed=armed, last_price=D(start))


@pytest.mark.parametrize(
    ("price", "cents"),
    [
        ("19.99", 1999),
        ("0.005", 1),  # above a trigger of 0.00, at or under one of 0.01
        ("0.0100000000000000001", 2),  # more digits than a 15-digit context holds
        ("100", 10000),
        ("9999999999999.99", 999999999999999),
        ("10000000000000", None),  # too big to compare as the store's integers
    ],
)
def test_a_price_in_cents_rounds_up_exactly_whatever_the_decimal_context(
    price: str, cents: int | None
) -> None:
    with localcontext(Context(prec=15)):  # what botbuilder-dialogs sets on import
        assert cents_up(D(price)) == cents


@pytest.mark.parametrize(
    ("trigger", "cents"),
    [("159.99", 15999), ("0.00", 0), ("10.005", None), ("1E+13", None), ("NaN", None)],
)
def test_only_whole_cent_triggers_are_compared_as_integers(trigger: str, cents: int | None) -> None:
    assert comparable_cents(D(trigger)) == cents


@pytest.mark.parametrize("glitch", [g for g in GLITCHES if g is not None])
def test_a_glitch_has_no_cents(glitch: Decimal) -> None:
    assert cents_up(glitch) is None


@pytest.mark.parametrize(
    ("previous", "price", "cents"),
    [
        ("200", "150", 15000),
        ("200", "200", 20000),
        ("200", "250.001", 25001),
        ("200", "20.01", 2001),  # just short of a 90% drop
        ("200", "20", None),  # a huge drop waits for confirmation
        ("200", "1E+14", None),  # too big to compare
    ],
)
def test_a_plain_move_gives_the_price_in_cents(
    previous: str, price: str, cents: int | None
) -> None:
    assert plain_move_cents(D(previous), D(price)) == cents


def test_rules_for_big_prices_work_whatever_the_decimal_context() -> None:
    with localcontext(Context(prec=15)):  # what botbuilder-dialogs sets on import
        assert percent_rule(D("20000000000000.01"), D(20)).trigger_price == D("16000000000000.01")
        assert below_rule(D("999999999999999.99"), D("10.005")).trigger_price == D("10.01")
