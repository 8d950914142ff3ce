"""Teams' own payloads for the install lifecycle, as Microsoft documents them: the app
installed or removed (`installationUpdate`), members added or removed
(`conversationUpdate`), in a personal chat, a group chat or a team's channel; and the
connector's 403 when the bot is no longer in a conversation. JSON for the real adapter;
`as_activity` for the TestAdapter."""

from __future__ import annotations

from typing import Any, Final, Literal

from botbuilder.schema import Activity

from tests.support.channel import Fault

TENANT: Final = "72f988bf-86f1-41af-91ab-2d7cd011db47"
BOT: Final = {"id": "28:pricewatch-app-id", "name": "PriceWatch"}
Kind = Literal["personal", "groupChat", "channel"]

NOT_IN_ROSTER: Final = Fault(403, code="BotNotInConversationRoster")
"""What the connector answers a send to a conversation the bot has left."""


def conversation(conversation_id: str, kind: Kind = "personal") -> dict[str, Any]:
    shape: dict[str, Any] = {"id": conversation_id, "conversationType": kind, "tenantId": TENANT}
    if kind != "personal":
        shape["isGroup"] = True
    return shape


def _teams(
    service_url: str,
    kind: str,
    conversation_id: str,
    where: Kind,
    sender: dict[str, Any],
    **fields: Any,
) -> dict[str, Any]:
    channel_data: dict[str, Any] = {"tenant": {"id": TENANT}}
    if where == "channel":
        channel_data["team"] = {"id": conversation_id.split(";")[0], "name": "Shopping"}
        channel_data["channel"] = {"id": conversation_id.split(";")[0]}
    return {
        "type": kind,
        "channelId": "msteams",
        "serviceUrl": service_url,
        "conversation": conversation(conversation_id, where),
        "from": sender,
        "recipient": BOT,
        "channelData": {**channel_data, **fields.pop("channelData", {})},
        "locale": "en-US",
        **fields,
    }


def member(user_id: str, name: str | None = None) -> dict[str, Any]:
    account = {"id": user_id, "aadObjectId": f"aad-{user_id}"}
    return account if name is None else {**account, "name": name}


def message(
    service_url: str,
    conversation_id: str,
    text: str,
    sender: dict[str, Any],
    where: Kind = "personal",
) -> dict[str, Any]:
    return _teams(service_url, "message", conversation_id, where, sender, text=text)


def installation_update(
    service_url: str,
    conversation_id: str,
    action: Literal["add", "remove", "add-upgrade", "remove-upgrade"],
    by: dict[str, Any],
    where: Kind = "personal",
) -> dict[str, Any]:
    return _teams(service_url, "installationUpdate", conversation_id, where, by, action=action)


def members_removed(
    service_url: str,
    conversation_id: str,
    removed: list[dict[str, Any]],
    by: dict[str, Any],
    where: Kind = "groupChat",
) -> dict[str, Any]:
    event = "teamMemberRemoved" if where == "channel" else None
    return _teams(
        service_url,
        "conversationUpdate",
        conversation_id,
        where,
        by,
        membersRemoved=removed,
        **({"channelData": {"eventType": event}} if event else {}),
    )


def members_added(
    service_url: str,
    conversation_id: str,
    added: list[dict[str, Any]],
    by: dict[str, Any],
    where: Kind = "groupChat",
) -> dict[str, Any]:
    event = "teamMemberAdded" if where == "channel" else None
    return _teams(
        service_url,
        "conversationUpdate",
        conversation_id,
        where,
        by,
        membersAdded=added,
        **({"channelData": {"eventType": event}} if event else {}),
    )


def as_activity(payload: dict[str, Any]) -> Activity:
    """The payload as the SDK reads it, for a TestAdapter turn."""
    return Activity().deserialize(payload)
