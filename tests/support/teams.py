"""Teams' payloads, as the Teams channel posts them to a bot's /api/messages.

Shapes from Microsoft's Teams bot documentation ("Conversation basics", "Channel and group
chat conversations with a bot", "Conversation events", "Update and delete messages"):

- Every Teams activity has `channelId: "msteams"`, `conversation.conversationType`
  (`personal`, `groupChat` or `channel`), `conversation.tenantId` and
  `channelData.tenant.id`; user ids look like `29:...`, the bot's like `28:<app id>`.
- In a group chat or a channel `conversation.isGroup` is true, and Teams delivers a
  message only when the bot is @mentioned: the text carries the mention as
  `<at>PriceWatch</at>` and `entities` has `{type: mention, mentioned: {id, name}, text}`.
  A channel's conversation id is the channel's thread id, with `;messageid=...` for a
  reply chain; `channelData` names the `team` and the `channel`.
- A card's Action.Submit comes back as a message with the button's data in `value`, no
  text, and `replyToId` set to the card's activity id.
- `installationUpdate` (action `add` / `remove`) when the app is installed or removed,
  `add-upgrade` / `remove-upgrade` when it is upgraded; `conversationUpdate` with
  `membersAdded` / `membersRemoved` when members join or leave, the bot itself included,
  each member named by its id alone (and, in a team, `channelData.eventType`
  `teamMemberAdded` / `teamMemberRemoved`). A channel's own events carry the channel's
  id; a message in a reply chain carries it with `;messageid=...`.

A `TeamsConversation` holds what every activity of one conversation repeats; its methods
build one activity each, as plain JSON, ready for `RunningApp.post_activity`. Nothing
here talks to the network.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Final, Literal

CHANNEL_ID: Final = "msteams"
TENANT_ID: Final = "tenant-0000-contoso"
BOT_ID: Final = "28:pricewatch-app-id"
BOT_NAME: Final = "PriceWatch"
TEAM_ID: Final = "19:team-general@thread.tacv2"

ConversationType = Literal["personal", "groupChat", "channel"]


@dataclass(frozen=True)
class Member:
    """A Teams user: `29:...` id, display name and Entra object id."""

    id: str
    name: str
    aad_object_id: str = ""

    def account(self) -> dict[str, Any]:
        account: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.aad_object_id:
            account["aadObjectId"] = self.aad_object_id
        return account

    def as_listed(self) -> dict[str, Any]:
        """How `membersAdded` / `membersRemoved` name the member: by id alone."""
        return {"id": self.id}


ANA: Final = Member("29:ana-lima", "Ana Lima", "aad-ana")
BEN: Final = Member("29:ben-okafor", "Ben Okafor", "aad-ben")
BOT: Final = Member(BOT_ID, BOT_NAME)


def mention(member: Member) -> tuple[str, dict[str, Any]]:
    """The text Teams writes for an @mention of `member`, and its entity."""
    tag = f"<at>{member.name}</at>"
    return tag, {"type": "mention", "text": tag, "mentioned": member.account()}


_ids = itertools.count(1_700_000_000_000)


@dataclass
class TeamsConversation:
    """One Teams conversation at a stand-in service URL (`StandInChannel.url`)."""

    service_url: str
    kind: ConversationType = "personal"
    id: str = ""
    """Empty: one in Teams' style for the kind (`a:...`, `19:...@thread.v2`, a channel's
    thread with `;messageid=`)."""
    tenant_id: str = TENANT_ID
    team_id: str = TEAM_ID
    bot: Member = BOT

    def __post_init__(self) -> None:
        if not self.id:
            self.id = {
                "personal": "a:1personal-chat-with-ana",
                "groupChat": "19:group-chat-espresso@thread.v2",
                "channel": f"{self.team_id};messageid=1700000000001",
            }[self.kind]

    @property
    def is_group(self) -> bool:
        return self.kind != "personal"

    @property
    def key(self) -> str:
        """The bot's key for it (dialogs.keys.conversation_key)."""
        return f"{CHANNEL_ID}/{self.id}"

    def conversation(self) -> dict[str, Any]:
        conversation: dict[str, Any] = {
            "id": self.id,
            "conversationType": self.kind,
            "tenantId": self.tenant_id,
        }
        if self.is_group:
            conversation["isGroup"] = True
        if self.kind == "channel":
            conversation["name"] = "General"
        return conversation

    def channel_data(self, **extra: Any) -> dict[str, Any]:
        data: dict[str, Any] = {"tenant": {"id": self.tenant_id}}
        if self.kind == "channel":
            data["team"] = {"id": self.team_id, "name": "Coffee lovers"}
            data["channel"] = {"id": self.team_id, "name": "General"}
            data["teamsTeamId"] = self.team_id
            data["teamsChannelId"] = self.team_id
        return {**data, **extra}

    def activity(self, kind: str, sender: Member = ANA, **fields: Any) -> dict[str, Any]:
        """Any activity of this conversation from `sender` (a member, or the bot's
        own account for the events the channel sends about it)."""
        return {
            "type": kind,
            "id": f"{next(_ids)}",
            "timestamp": "2026-12-01T09:00:00.000Z",
            "localTimestamp": "2026-12-01T10:00:00.000+01:00",
            "channelId": CHANNEL_ID,
            "serviceUrl": self.service_url,
            "from": sender.account(),
            "conversation": self.conversation(),
            "recipient": self.bot.account(),
            "locale": "en-US",
            "channelData": self.channel_data(),
            **fields,
        }

    def message(
        self,
        text: str,
        sender: Member = ANA,
        *,
        mentions: tuple[Member, ...] = (),
        at_bot: bool | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """A message as Teams delivers it. In a group (or with `at_bot=True`) the bot's
        @mention leads the text, as Teams delivers it there; `mentions` are members
        @mentioned too, written where the text says `{0}`, `{1}`... (or at its end)."""
        entities: list[dict[str, Any]] = []
        for n, member in enumerate(mentions):
            tag, entity = mention(member)
            entities.append(entity)
            text = text.replace(f"{{{n}}}", tag) if f"{{{n}}}" in text else f"{text} {tag}"
        if self.is_group if at_bot is None else at_bot:
            tag, entity = mention(self.bot)
            text = f"{tag} {text}"
            entities.insert(0, entity)
        entities.append({"type": "clientInfo", "locale": "en-US", "platform": "Web"})
        return self.activity(
            "message", sender, text=text, textFormat="plain", entities=entities, **fields
        )

    def press(
        self, value: dict[str, Any], card_activity_id: str, sender: Member = ANA
    ) -> dict[str, Any]:
        """A card's Action.Submit button pressed: its data in `value`, no text, and
        `replyToId` the card's activity id. Teams adds no mention to it."""
        return self.activity("message", sender, value=value, replyToId=card_activity_id)

    def installation_update(
        self, action: Literal["add", "remove", "add-upgrade", "remove-upgrade"] = "add"
    ) -> dict[str, Any]:
        """The app installed in (or removed from, or upgraded in) this conversation."""
        return self.activity("installationUpdate", ANA, action=action)

    def members_added(self, *members: Member) -> dict[str, Any]:
        return self._members_changed("membersAdded", "teamMemberAdded", members)

    def members_removed(self, *members: Member) -> dict[str, Any]:
        """Members left; the bot's own account among them means the bot was removed."""
        return self._members_changed("membersRemoved", "teamMemberRemoved", members)

    def _members_changed(
        self, field: str, event_type: str, members: tuple[Member, ...]
    ) -> dict[str, Any]:
        extra = {"eventType": event_type} if self.kind == "channel" else {}
        return self.activity(
            "conversationUpdate",
            ANA,
            channelData=self.channel_data(**extra),
            **{field: [member.as_listed() for member in members]},
        )
