"""Mentions: a group's alert names its owner (a Teams mention where the channel has them,
the plain name elsewhere), and a message's text is read without the bot's own mention.

Teams shows `<at>Name</at>` in a message's text as a mention of the member the message's
`mention` entity names (its id and name; the entity's `text` is that same `<at>...</at>`),
and notifies them. Other channels show the name as written. In a group chat or channel
Teams delivers a message to the bot only when it is @mentioned, so the text it gets is
"<at>PriceWatch</at> watch espresso 20%".
"""

from __future__ import annotations

import re
from typing import Any, Final

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


def without_bot_mention(activity: Activity) -> str | None:
    """The message's text without the bot's own @mention, wherever it is in the text;
    every other member's mention stays as written.

    Not `TurnContext.remove_recipient_mention`: botbuilder 4.17's removes the bot's *name*
    everywhere in the text, as a regular expression (a bot called "Price" turns "<at>Price
    </at> watch Price tag printer" into "watch tag printer"), and raises on an activity
    without a recipient (offline-directline sends none) or on a mention entity without
    `mentioned`. This takes out exactly the `<at>...</at>` text of the entities that name
    the recipient, and ignores an entity it cannot read.
    """
    text = activity.text
    bot = activity.recipient.id if activity.recipient else None
    if not text or not bot:
        return text
    for entity in activity.entities or []:
        fields = _fields(entity)
        mentioned = fields.get("mentioned")
        mentioned_id = mentioned.get("id") if isinstance(mentioned, dict) else None
        tag = fields.get("text")
        if (
            str(fields.get("type", "")).lower() == "mention"
            and mentioned_id == bot
            and isinstance(tag, str)
            and tag
        ):
            text = re.sub(rf"[ \t]*{re.escape(tag)}[ \t]*", " ", text)
    return text.strip()


def _fields(entity: Any) -> dict[str, Any]:
    """An entity's JSON fields, however the activity was built: decoded from JSON (an
    `Entity` with the rest in `additional_properties`), made in code (a `Mention`), or a
    plain dict."""
    if isinstance(entity, dict):
        return entity
    fields = dict(getattr(entity, "additional_properties", None) or {})
    fields["type"] = getattr(entity, "type", None)
    if isinstance(entity, Mention):
        mentioned = entity.mentioned
        fields["mentioned"] = None if mentioned is None else {"id": mentioned.id}
        fields["text"] = entity.text
    return fields
