"""Questions: messages that expect an answer, some with tappable choices (suggested
actions) as well as typing."""

from __future__ import annotations

from typing import Sequence

from botbuilder.core import MessageFactory
from botbuilder.schema import ActionTypes, Activity, CardAction, InputHints

MAX_BUTTONS = 14


def question(text: str) -> Activity:
    """A question: it expects an answer (a microphone-first client opens the mic)."""
    return MessageFactory.text(text, input_hint=InputHints.expecting_input)


def offer(text: str, options: Sequence[str]) -> Activity:
    """A question with buttons for its likely answers."""
    actions = [
        CardAction(type=ActionTypes.im_back, title=option, value=option)
        for option in options[:MAX_BUTTONS]
    ]
    return MessageFactory.suggested_actions(actions, text, input_hint=InputHints.expecting_input)
