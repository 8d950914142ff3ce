"""Sending a turn's alerts as one message, and saying why a send failed; the same message
made again, to replace it in place once a card of it was answered."""

from __future__ import annotations

import copy
import logging
from typing import Any, Awaitable, Callable, Final, Mapping, Sequence, TypeVar

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment, InputHints

from connector.direct_serializer import EncodedAttachment
from connector.send_failures import classify
from dialogs import quiet_texts, texts
from dialogs.alert_cards import CONTENT_TYPE, json_chars
from dialogs.alert_message import AlertMessage, alert_message
from dialogs.card_channels import shows_cards
from dialogs.drop_parts import PartOf, drop_part
from dialogs.keys import is_group
from dialogs.mentions import name_owner
from domain.alert_facts import AlertFacts
from domain.alerts import Alert, Delivered, SendFailure
from domain.clock import Clock
from domain.local_times import LocalTimes
from domain.watches import Watch
from outbox.in_turn import SendAlerts
from watchers.alert_facts import AlertFactsSource

logger = logging.getLogger(__name__)

MAX_ACTIVITY_BYTES: Final = 40_000
"""Teams' bot message limit as it documented it for years (413 MessageSizeTooBig above
its limit), counted over the whole activity as UTF-16."""
ENVELOPE_BYTES: Final = 4_000
"""Room for what the SDK adds to the message on its way: ids, the conversation, the
bot and user accounts, the service URL (a few hundred bytes on Teams)."""


TimesOf = Callable[[str], Awaitable[LocalTimes]]
"""How the alerts' owner (a user id; "" in a 1:1) reads times (`QuietSettings.local_times_of`)."""


def alert_sender(
    context: TurnContext,
    clock: Clock,
    facts: AlertFactsSource,
    times_of: TimesOf,
    parts: PartOf = drop_part,
) -> SendAlerts:
    """A `SendAlerts` for this turn, its times as the alerts' owner reads them: any
    failure is caught and classified, never raised, so the outbox records it and the
    alert is never lost. In a group conversation the alerts of one send are one
    member's (`outbox.in_turn`), and the message names them. `parts`: what the message
    says of each alert's product, the same for every recipient of its drop."""

    async def send(
        alerts: Sequence[Alert], owner: str, watches: Mapping[int, Watch]
    ) -> SendFailure | Delivered:
        try:
            times = await times_of(owner)
            activity = await alert_message_activity(
                context, alerts, watches, facts, times, parts=parts
            )
            sent = await context.send_activity(activity)
        except Exception as error:
            return classify(error, clock())
        return Delivered(sent.id if sent is not None and sent.id else None)

    return send


Owner = tuple[str, str | None]
"""A watch owner's user id and display name (None: not known)."""


async def alert_message_activity(
    context: TurnContext,
    alerts: Sequence[Alert],
    watches: Mapping[int, Watch],
    facts: AlertFactsSource,
    times: LocalTimes,
    owner: Owner | None = None,
    parts: PartOf = drop_part,
) -> Activity:
    """The message of these alerts (one owner's), for this turn's channel, its times as
    `times` reads them: the cards with the one-line summary as their text (which Teams
    shows in its notification) where the channel shows cards, the whole text elsewhere;
    a digest heading after quiet hours; in a group, whose alerts they are (`owner` when
    their watch is gone); `watches` are theirs that still exist, by id."""
    known = await _facts(alerts, watches, facts, times)
    activity = _activity(alerts, known, times, parts)
    if shows_cards(context.activity.channel_id) and activity.attachments:
        activity.text = activity.summary  # the card says the rest
    if any(alert.quiet_until is not None for alert in alerts):
        activity.text = f"{quiet_texts.QUIET_DIGEST_HEADING}\n\n{activity.text}"
    if is_group(context.activity):
        _name_owner(activity, context.activity.channel_id, alerts, known, owner)
    return activity


async def _facts(
    alerts: Sequence[Alert],
    watches: Mapping[int, Watch],
    facts: AlertFactsSource,
    times: LocalTimes,
) -> Mapping[int, AlertFacts] | None:
    """The alerts' facts; None when they cannot be had (the message goes as text)."""
    try:
        return await facts(alerts, watches, times.zone)
    except Exception:
        logger.exception("no facts for %d alerts; sending text", len(alerts))
        return None


def _name_owner(
    activity: Activity,
    channel_id: str | None,
    alerts: Sequence[Alert],
    facts: Mapping[int, AlertFacts] | None,
    gone: Owner | None,
) -> None:
    """A group's alert says whose it is, when the watch's owner and name are known (from
    its watch, or `gone`: the owner of a watch stopped since)."""
    known = None if facts is None else facts.get(alerts[0].id)
    owner_id, name = (known.owner_id, known.owner_name) if known else ("", None)
    if not owner_id and gone is not None:
        owner_id, name = gone
    if owner_id and name:
        name_owner(activity, channel_id, owner_id, name)


def _activity(
    alerts: Sequence[Alert],
    facts: Mapping[int, AlertFacts] | None,
    times: LocalTimes,
    parts: PartOf,
) -> Activity:
    """The cards with their fallback; the text alone if the cards cannot be made."""
    if facts is None:
        return MessageFactory.text(texts.alerts_message(alerts, times))
    try:
        return alert_activity(alert_message(alerts, facts, fits, times, parts))
    except Exception:
        logger.exception("could not make the cards for %d alerts; sending text", len(alerts))
        return MessageFactory.text(texts.alerts_message(alerts, times))


class CardMessage(Activity):
    """A message of cards made for one send. The SDK deep-copies every activity it sends,
    so that filling in the conversation leaves the caller's untouched: for an alert, a
    walk of some 130 objects of card JSON, about a tenth of its CPU. The cards are never
    changed once made, so a copy shares them; what the SDK fills in (the conversation,
    accounts, ids, hints) are fields of the message and its attachments, which are copied."""

    def __deepcopy__(self, memo: dict[int, Any]) -> "CardMessage":
        copied = _fields_copied(self)
        if self.attachments is not None:
            copied.attachments = [_fields_copied(attachment) for attachment in self.attachments]
        copied.entities = copy.deepcopy(self.entities, memo)
        return copied


M = TypeVar("M")


def _fields_copied(model: M) -> M:
    """A model with the same field values: what `copy.copy` gives, without its walk
    through `__reduce_ex__` (an msrest model keeps its fields in its `__dict__`)."""
    copied = object.__new__(type(model))
    copied.__dict__.update(model.__dict__)
    return copied


def alert_activity(message: AlertMessage) -> Activity:
    return CardMessage(
        type=ActivityTypes.message,
        text=message.text,
        summary=message.summary,
        input_hint=InputHints.accepting_input,
        attachments=_attachments(message) or None,
        attachment_layout="carousel" if len(message.cards) > 1 else None,
    )


def _attachments(message: AlertMessage) -> list[Attachment]:
    """The cards, with their JSON when it was made with them (sent as it is)."""
    if message.card_json is None:
        return [Attachment(content_type=CONTENT_TYPE, content=card) for card in message.cards]
    return [
        EncodedAttachment(content_type=CONTENT_TYPE, content=card, encoded_content=encoded)
        for card, encoded in zip(message.cards, message.card_json)
    ]


def fits(message: AlertMessage) -> bool:
    return message_bytes(message) + ENVELOPE_BYTES < MAX_ACTIVITY_BYTES


def message_bytes(message: AlertMessage) -> int:
    """The size of `alert_activity(message)` in UTF-16 (`utf16_bytes`). Cards encoded as
    they were made are not encoded again: a value's JSON is the same wherever it sits,
    so each stands in as `0` (one character) and its own length is added."""
    if message.card_json is None:
        return utf16_bytes(_payload(message, message.cards))
    stand_ins = _payload(message, [0] * len(message.cards))
    return utf16_bytes(stand_ins) + 2 * sum(len(encoded) - 1 for encoded in message.card_json)


def utf16_bytes(payload: Any) -> int:
    """The JSON's size in UTF-16. As sent, the JSON is ASCII (other characters escaped),
    so this also bounds the size of the decoded text: an escape is longer than its
    character."""
    return 2 * json_chars(payload)


def _payload(message: AlertMessage, cards: Sequence[object]) -> dict[str, Any]:
    """What `alert_activity(message).serialize()` gives, without msrest's walk over it,
    with `cards` as its cards."""
    payload: dict[str, Any] = {
        "type": "message",
        "text": message.text,
        "summary": message.summary,
        "inputHint": "acceptingInput",
    }
    if cards:
        payload["attachments"] = [{"contentType": CONTENT_TYPE, "content": card} for card in cards]
    if len(cards) > 1:
        payload["attachmentLayout"] = "carousel"
    return payload
