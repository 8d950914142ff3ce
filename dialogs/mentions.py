"""A group's alert names its owner: a Teams mention where the channel has them, the plain
name elsewhere.

Teams shows `<at>Name</at>` in a message's text as a mention of the member the message's
`mention` entity names (its id and name; the entity's `text` is that same `<at>...</at>`),
and notifies them. Other channels show the name as written.
"""

from __future__ import annotations

from typing import Final

from botbuilder.schema import Activity, ChannelAccount, Mention

MENTION_CHANNELS: Final = frozenset({"msteams"})
"""Channels whose messages can mention a member."""
NAME_CHARS: Final = 60


def mentions_members(channel_id: str | None) -> bool:
    return str(getattr(channel_id, "value", channel_id) or "") in MENTION_CHANNELS


def name_owner(activity: Activity, channel_id: str | None, owner_id: str, name: str) -> None:
    """Start the message's text (and summary) with whose alert it is: "For <at>Ana</at>:"
    and a mention entity on Teams, "For Ana:" elsewhere."""
    shown = _shown(name)
    if mentions_members(channel_id):
        tag = f"<at>{shown}</at>"
        mention = Mention(
            mentioned=ChannelAccount(id=owner_id, name=shown), text=tag, type="mention"
        )
        activity.entities = [*(activity.entities or []), mention]
    else:
        tag = shown
    activity.text = f"For {tag}: {activity.text or ''}".rstrip()
    if activity.summary:
        activity.summary = f"For {shown}: {activity.summary}"


def _shown(name: str) -> str:
    """The name as one short line, without the characters a mention's tag uses."""
    cleaned = " ".join(name.replace("<", "").replace(">", "").split())
    return cleaned if len(cleaned) <= NAME_CHARS else cleaned[: NAME_CHARS - 1].rstrip() + "…"
