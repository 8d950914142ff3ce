"""Counting a body's JSON values and depth, and refusing past the limits."""

from __future__ import annotations

from typing import Any

import pytest

from api.activity_shape import MAX_DEPTH, MAX_VALUES, TooCostly, check_brackets, count_values


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth - 1):
        value = {"a": value}
    return {"a": value} if depth else value


@pytest.mark.parametrize(
    ("body", "values"),
    [
        ("text", 1),
        ({}, 1),
        ({"type": "message"}, 2),
        ({"a": [1, 2, {"b": None}]}, 6),
        ([[], [[]], {"k": {}}], 6),
    ],
)
def test_every_value_counts_once(body: object, values: int) -> None:
    assert count_values(body) == values


def test_a_body_at_the_limits_is_counted() -> None:
    assert count_values([0] * (MAX_VALUES - 1)) == MAX_VALUES
    assert count_values(nested(MAX_DEPTH)) == MAX_DEPTH + 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ([0] * MAX_VALUES, "more than 10000 JSON values"),
        ({f"k{i}": i for i in range(MAX_VALUES)}, "more than 10000 JSON values"),
        ([[0] * 5_000, [0] * 5_000], "more than 10000 JSON values"),
        (nested(MAX_DEPTH + 1), "deeper than 64 levels"),
        ([[[0]]] * 10 + [nested(MAX_DEPTH + 1)], "deeper than 64 levels"),
    ],
    ids=["a long list", "many keys", "two lists", "deep objects", "deep somewhere"],
)
def test_a_body_past_a_limit_is_too_costly(body: object, reason: str) -> None:
    with pytest.raises(TooCostly, match=reason):
        count_values(body)


def test_a_body_with_more_brackets_than_values_allowed_is_refused_unparsed() -> None:
    check_brackets(b"{" * 5_000 + b"[" * 5_000)
    with pytest.raises(TooCostly, match="more than 10000 JSON objects and arrays"):
        check_brackets(b"{" * 5_000 + b"[" * 5_001)
