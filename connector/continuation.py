"""The ContinueConversation event a proactive turn starts from, without uuid1.

botbuilder's `get_continuation_activity` gives each event a fresh `uuid1()`: ~14 µs
here, a tenth of what the whole send of an alert costs. The id only has to be one no other
activity has, so it is a random prefix drawn once per adapter and a counter; every
other field is the one botbuilder sets (tests/connector/test_continuation.py).
"""

from __future__ import annotations

import itertools
import uuid

from botbuilder.schema import (
    Activity,
    ActivityEventNames,
    ActivityTypes,
    ConversationReference,
)


class ContinuationIds:
    """Ids unique across processes (a uuid4 each) and within one (a counter)."""

    def __init__(self) -> None:
        self._prefix = str(uuid.uuid4())
        self._counter = itertools.count()

    def next(self) -> str:
        return f"{self._prefix}-{next(self._counter)}"


def continuation_activity(reference: ConversationReference, activity_id: str) -> Activity:
    """The event `get_continuation_activity` makes of `reference`, with this id."""
    return Activity(
        type=ActivityTypes.event,
        name=ActivityEventNames.continue_conversation,
        id=activity_id,
        channel_id=reference.channel_id,
        service_url=reference.service_url,
        conversation=reference.conversation,
        recipient=reference.bot,
        from_property=reference.user,
        relates_to=reference,
    )
