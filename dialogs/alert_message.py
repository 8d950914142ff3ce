"""A turn's alerts as one message that fits: cards, a text fallback and a summary.

Teams refuses a bot message over its size limit (413 MessageSizeTooBig; 40 KB for
years), so the message is built at most as rich as fits: every card whole; then charts
on the first few cards only; then no charts; then cards without the rule and the low;
then one compact card listing every alert (at once for more than a carousel holds); then
shorter names. Every alert is named in
every form, until a message so long that only "and N more" can still fit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Final, Iterator, Mapping, Sequence

from dialogs import texts
from dialogs.alert_cards import Card, compact_card, encoded_alert_card
from dialogs.drop_parts import PartOf, drop_part
from domain.alert_facts import UNKNOWN, AlertFacts, drop_news
from domain.alerts import Alert
from domain.local_times import LocalTimes

logger = logging.getLogger(__name__)

MAX_CARDS: Final = 10
"""Teams shows at most 10 cards in a carousel: more alerts share one compact card."""
CHARTS_WHEN_SHORT: Final = 3
COMPACT_NAME_CHARS: Final = (60, 30, 16)


@dataclass(frozen=True)
class AlertMessage:
    text: str
    """The fallback: everything a user needs, for channels that show no cards."""
    summary: str
    cards: list[Card]
    form: str
    """Which of the forms above fitted (for the log and the tests)."""
    card_json: tuple[str, ...] | None = None
    """Each card's JSON as sent (`alert_cards.json_text`), when made with the cards;
    None: not made."""


Fits = Callable[[AlertMessage], bool]


def alert_message(
    alerts: Sequence[Alert],
    facts: Mapping[int, AlertFacts],
    fits: Fits,
    times: LocalTimes,
    parts: PartOf = drop_part,
) -> AlertMessage:
    """The richest form of the message that `fits`, its times as `times` reads them;
    what it says of each alert's product from `parts` (dialogs/drop_parts.py)."""
    message = None
    for message in _forms(alerts, facts, times, parts):
        if fits(message):
            if message.form != "cards":
                logger.info("an alert message of %d alerts sent as %s", len(alerts), message.form)
            return message
    assert message is not None
    return _cut_to_fit(alerts, message, fits)


def _forms(
    alerts: Sequence[Alert], facts: Mapping[int, AlertFacts], times: LocalTimes, parts: PartOf
) -> Iterator[AlertMessage]:
    theirs = [facts.get(alert.id, UNKNOWN) for alert in alerts]
    drops = [parts(drop_news(alert, fact, times)) for alert, fact in zip(alerts, theirs)]
    text = texts.alerts_message(alerts, times, facts, [drop.words for drop in drops])
    summary = texts.alerts_heading(alerts) if len(alerts) > 1 else drops[0].summary

    def cards(form: str, charts: int, details: bool) -> AlertMessage:
        made = [
            encoded_alert_card(
                alert, fact, times=times, chart=n < charts, details=details, product=drop.blocks
            )
            for n, (alert, fact, drop) in enumerate(zip(alerts, theirs, drops))
        ]
        return AlertMessage(
            text, summary, [card for card, _ in made], form, tuple(encoded for _, encoded in made)
        )

    if len(alerts) <= MAX_CARDS:
        yield cards("cards", len(alerts), True)
        charted = sum(bool(fact.chart_url) for fact in theirs)
        if charted > CHARTS_WHEN_SHORT:
            yield cards("cards, few charts", CHARTS_WHEN_SHORT, True)
        if charted:
            yield cards("cards, no charts", 0, True)
        yield cards("plain cards", 0, False)
    yield AlertMessage(text, summary, [compact_card(alerts, texts.NAME_CHARS)], "one card")
    for chars in COMPACT_NAME_CHARS:
        short = texts.compact_alerts_message(alerts, chars)
        yield AlertMessage(short, summary, [compact_card(alerts, chars)], f"one card, {chars}")
    yield AlertMessage(
        texts.compact_alerts_message(alerts, COMPACT_NAME_CHARS[-1]), summary, [], "text"
    )


def _cut_to_fit(alerts: Sequence[Alert], last: AlertMessage, fits: Fits) -> AlertMessage:
    """The text alone, its last alerts folded into "and N more": halving, then growing
    back, so at most a few dozen tries whatever the count."""
    chars = COMPACT_NAME_CHARS[-1]

    def shown(count: int) -> AlertMessage:
        rest = len(alerts) - count
        lines = [texts.compact_alert_line(alert, chars) for alert in alerts[:count]]
        more = f'…and {rest} more: say "list" to see your watches.'
        text = "\n".join([texts.alerts_heading(alerts) + ":", "", *lines, "", more])
        return AlertMessage(text, last.summary, [], f"text, {count} of {len(alerts)}")

    low, high = 0, len(alerts) - 1
    while low < high:  # the most alerts that fit, by bisection
        middle = (low + high + 1) // 2
        if fits(shown(middle)):
            low = middle
        else:
            high = middle - 1
    logger.warning("an alert message of %d alerts names only %d of them", len(alerts), low)
    return shown(low)
