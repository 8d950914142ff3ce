"""Messages that offer tappable choices (suggested actions) as well as typing."""

from __future__ import annotations

from typing import Sequence

from botbuilder.core import MessageFactory
from botbuilder.schema import ActionTypes, Activity, CardAction, InputHints

MAX_BUTTONS = 14


def offer(text: str, options: Sequence[str]) -> Activity:
    actions = [
        CardAction(type=ActionTypes.im_back, title=option, value=option)
        for option in options[:MAX_BUTTONS]
    ]
    return MessageFactory.suggested_actions(actions, text, input_hint=InputHints.expecting_input)
