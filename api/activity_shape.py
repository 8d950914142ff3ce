"""How much decoding a JSON body would cost, bounded before msrest ever sees it.

msrest spends 7 to 15 µs of Python on each JSON value it turns into a model (and twice
that when a bad field makes us look for which one it was), so a body well under 1 MB
can hold the loop for seconds. Counting the values costs well under 1 µs each and stops
at the limit, so the count itself never costs more than a few milliseconds.

Even json.loads is not cheap for every body: 1 MB of nested arrays makes 240,000 lists,
and the garbage collector's passes over them took 160 ms here. Objects and arrays are
values, so a body with more `{` and `[` bytes than MAX_VALUES is refused unparsed (a
string full of brackets would be refused too: no chat message holds 10,000 of them).
"""

from __future__ import annotations

from typing import Final

MAX_VALUES: Final = 10_000
"""JSON values in an activity. A Teams message with cards and mentions holds a few hundred."""
MAX_DEPTH: Final = 64
"""Objects and arrays nested in one another. Real activities nest about ten deep."""


class TooCostly(ValueError):
    """The body holds more than an activity ever needs; the message says what."""


def check_brackets(raw: bytes, max_values: int = MAX_VALUES) -> None:
    """TooCostly if the raw body opens more objects and arrays than an activity may hold."""
    if raw.count(b"{") + raw.count(b"[") > max_values:
        raise TooCostly(f"the activity holds more than {max_values} JSON objects and arrays")


def count_values(body: object, max_values: int = MAX_VALUES, max_depth: int = MAX_DEPTH) -> int:
    """The JSON values in a decoded body, itself included, or TooCostly past a limit."""
    count = 1
    pending: list[tuple[object, int]] = [(body, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > max_depth:
            raise TooCostly(f"the activity nests objects and arrays deeper than {max_depth} levels")
        count += len(children)
        if count > max_values:
            raise TooCostly(f"the activity holds more than {max_values} JSON values")
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return count
