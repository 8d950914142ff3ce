"""Stable keys for a conversation, its user and its Teams tenant, taken from an activity;
whether the conversation is a group (a Teams group chat or channel:
`conversation.isGroup`)."""

from __future__ import annotations

from botbuilder.schema import Activity


def _text(value: object) -> str:
    return str(getattr(value, "value", value) or "")


def channel_of(activity: Activity) -> str:
    """The channel's id: a user's id means them on this channel only."""
    return _text(activity.channel_id)


def conversation_key(activity: Activity) -> str:
    conversation_id = activity.conversation.id if activity.conversation else ""
    return f"{_text(activity.channel_id)}/{conversation_id}"


def user_id(activity: Activity) -> str:
    return _text(activity.from_property.id if activity.from_property else "")


def user_name(activity: Activity) -> str:
    return _text(activity.from_property.name if activity.from_property else "")


def tenant_id(activity: Activity) -> str:
    """The Teams tenant the conversation is in: `channelData.tenant.id`, which Teams
    sends with every activity (its `conversation.tenantId` too, but botbuilder 4.17 reads
    that field as `tenantID` and so drops it); "" elsewhere."""
    if activity.conversation and activity.conversation.tenant_id:
        return _text(activity.conversation.tenant_id)
    data = activity.channel_data
    tenant = data.get("tenant") if isinstance(data, dict) else None
    found = tenant.get("id") if isinstance(tenant, dict) else None
    return found if isinstance(found, str) else ""


def is_group(activity: Activity) -> bool:
    return bool(activity.conversation and activity.conversation.is_group)


def owner_scope(activity: Activity) -> str | None:
    """Whose watches the sender may see and change (`domain.owners`): in a group, their
    own (their user id); None in a 1:1, where every watch of the conversation is theirs."""
    return user_id(activity) if is_group(activity) else None
