"""`forget me`: everything held about the person who says it, deleted.

What goes, found by their user id on their channel (`dialogs.keys.channel_of`): their
watches in every conversation with their alerts, attempts and events, and the
conversation references naming them (`PersonalDataStore.forget`); their settings in
this conversation (`QuietSettings.forget`; a 1:1's whole state) and in every other one
whose state document holds their id (`BotStateStore.keys_holding`): a group's MEMBERS
entry, or a 1:1's whole document. Another conversation's document is edited under that
conversation's turn lock and its e_tag, so a turn running there never loses its write.
"""

from __future__ import annotations

import logging
from typing import Final

from botbuilder.core import ConversationState, Storage, TurnContext

from bots.bot_storage import CorruptStateError
from bots.quiet_settings import QuietSettings, forget_member, has_settings
from dialogs.keys import channel_of, is_group, user_id
from domain.personal_data import PersonalData
from state.interfaces import BotStateStore, PersonalDataStore, TurnLocks

logger = logging.getLogger(__name__)

WRITE_TRIES: Final = 3
"""Tries at another conversation's document whose e_tag moved under us."""
CONVERSATIONS: Final = "/conversations/"
"""botbuilder's ConversationState keys: `channel/conversations/conversation id`."""


class Forgetting:
    def __init__(
        self,
        personal: PersonalDataStore,
        bot_state: BotStateStore,
        storage: Storage,
        conversation_state: ConversationState,
        quiet: QuietSettings,
        locks: TurnLocks,
        lock_wait_seconds: float,
    ) -> None:
        self._personal = personal
        self._bot_state = bot_state
        self._storage = storage
        self._state = conversation_state
        self._quiet = quiet
        self._locks = locks
        self._lock_wait = lock_wait_seconds

    async def held(self, context: TurnContext) -> PersonalData:
        watches, alerts = await self._personal.count(
            channel_of(context.activity), user_id(context.activity)
        )
        return PersonalData(watches, alerts)

    async def forget(self, context: TurnContext) -> PersonalData:
        channel, person = channel_of(context.activity), user_id(context.activity)
        rows = await self._personal.forget(channel, person)
        settings = await self._quiet.forget(context)  # saved with this turn's state
        if not is_group(context.activity):
            # A 1:1's whole state is theirs: the next message starts afresh, greeted anew.
            # Deleted, not cleared: an empty state is read again from storage this turn.
            await self._state.delete(context)
        own = self._state.get_storage_key(context)
        prefix = own[: own.index(CONVERSATIONS) + len(CONVERSATIONS)]
        private = {prefix + key.removeprefix(f"{channel}/") for key in rows.private_conversations}
        holding = (
            set(await self._bot_state.keys_holding(prefix, person.encode())) if person else set()
        )
        for key in sorted((private | holding) - {own}):
            conversation = f"{channel}/{key.removeprefix(prefix)}"
            async with self._locks.hold(conversation, self._lock_wait):
                settings |= await self._forget_in(key, person, whole=key in private)
        logger.info(
            "forgot a person: %d watch(es), %d alert(s), %d 1:1 conversation(s)",
            rows.watches,
            rows.alerts,
            len(private),
        )
        return PersonalData(rows.watches, rows.alerts, settings)

    async def _forget_in(self, key: str, person: str, *, whole: bool) -> bool:
        """Their settings in another conversation's document: all of a 1:1's, their own
        in a group's. Whether there were any."""
        for _ in range(WRITE_TRIES):
            try:
                document = (await self._storage.read([key])).get(key)
            except CorruptStateError:
                logger.warning("state document %r is unreadable; deleting it", key)
                await self._bot_state.delete([key])
                return False
            if document is None:
                return False
            if whole:
                await self._bot_state.delete([key])
                return has_settings(document)
            if not forget_member(document, person):
                return False
            try:
                await self._storage.write({key: document})
            except KeyError:  # the e_tag moved: a turn there wrote meanwhile
                continue
            return True
        logger.error("could not forget a member in %r: it kept changing", key)
        return False
