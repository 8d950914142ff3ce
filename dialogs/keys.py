"""Stable keys for a conversation and its user, taken from an activity."""

from __future__ import annotations

from botbuilder.schema import Activity


def _text(value: object) -> str:
    return str(getattr(value, "value", value) or "")


def conversation_key(activity: Activity) -> str:
    conversation_id = activity.conversation.id if activity.conversation else ""
    return f"{_text(activity.channel_id)}/{conversation_id}"


def user_id(activity: Activity) -> str:
    return _text(activity.from_property.id if activity.from_property else "")
