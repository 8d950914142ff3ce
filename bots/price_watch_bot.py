"""The ActivityHandler: one turn at a time per conversation, its state, and the routing of
messages (card buttons, open dialogs, the command table), of the proactive alert turn, and
of who comes and goes (Teams' installationUpdate, members added and removed).

A message's text is read without the bot's own @mention (Teams puts it in every message
of a group chat or channel), once, here at the edge of the turn."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import List

from botbuilder.core import ActivityHandler, ConversationState, TurnContext
from botbuilder.dialogs import DialogInstance, DialogSet, DialogState
from botbuilder.schema import ActivityTypes, ChannelAccount

from bots.alert_sender import alert_sender
from bots.bot_storage import CorruptStateError, StoreStorage
from bots.card_updates import CardUpdates, tell_page
from bots.forgetting import Forgetting
from bots.proactive import PROACTIVE_BATCH
from bots.quiet_settings import QuietSettings, quiet_state_is_usable
from bots.why import WhyTeller
from connector.direct_serializer import model_json
from dialogs import texts
from dialogs.acyclic import let_go
from dialogs.card_actions import CardActions, is_card_action
from dialogs.commands.command import Services, Turn
from dialogs.commands.table import command_in, interruption_in
from dialogs.drop_parts import DropParts, PartOf
from dialogs.forget_dialog import ForgetDialog
from dialogs.history_reply import HistoryReplies
from dialogs.keys import conversation_key, is_group, tenant_id, user_id
from dialogs.mentions import without_bot_mention
from dialogs.remove_dialog import RemoveDialog
from dialogs.watch_dialog import WatchDialog
from domain.clock import Clock
from domain.departures import Departure
from domain.local_times import LocalTimes
from feed.catalog import Catalog
from outbox.in_turn import AlertsInTurn, ProactiveBatch
from shops.pages import ShopPages
from state.interfaces import (
    BotStateStore,
    OutboxStore,
    PersonalDataStore,
    PriceHistoryStore,
    ReferenceStore,
    TurnLocks,
    WatchEventStore,
)
from watchers.alert_facts import AlertFactsSource
from watchers.departures import Departures
from watchers.watchlist import Watchlist

logger = logging.getLogger(__name__)

CONTINUE_CONVERSATION = "ContinueConversation"
# Conversation state properties.
DIALOG_STATE = "DialogState"
GREETED = "Greeted"
STARTED_OVER = "StartedOver"
# installationUpdate actions: an upgrade ("add-upgrade", "remove-upgrade") neither brings
# the bot nor takes it away.
INSTALLED = "add"
UNINSTALLED = "remove"


class PriceWatchBot(ActivityHandler):
    def __init__(
        self,
        *,
        conversation_state: ConversationState,
        references: ReferenceStore,
        bot_state: BotStateStore,
        locks: TurnLocks,
        catalog: Catalog,
        watchlist: Watchlist,
        alerts: AlertsInTurn,
        clock: Clock,
        default_drop: Decimal,
        turn_wait_seconds: float,
        alert_facts: AlertFactsSource,
        history: HistoryReplies,
        outbox: OutboxStore,
        price_history: PriceHistoryStore,
        events: WatchEventStore,
        pages: ShopPages,
        departures: Departures,
        personal: PersonalDataStore,
        drop_parts: PartOf | None = None,
    ) -> None:
        """`drop_parts`: what alert messages say of a drop's product alike to all its
        recipients, made once per drop (its own `DropParts` unless given)."""
        self._conversation_state = conversation_state
        self._references = references
        self._bot_state = bot_state
        self._locks = locks
        self._turn_wait_seconds = turn_wait_seconds
        self._alerts = alerts
        self._clock = clock
        self._alert_facts = alert_facts
        self._drop_parts = drop_parts or DropParts()
        self._departures = departures
        self._card_actions = CardActions(watchlist, clock)
        self._card_updates = CardUpdates(outbox, alert_facts, watchlist.of)
        self._watchlist = watchlist
        self._dialog_state = conversation_state.create_property(DIALOG_STATE)
        self._greeted = conversation_state.create_property(GREETED)
        self._started_over = conversation_state.create_property(STARTED_OVER)
        self._quiet = QuietSettings(conversation_state, alerts)
        self._services = Services(
            catalog=catalog,
            watchlist=watchlist,
            clock=clock,
            default_drop=default_drop,
            quiet=self._quiet,
            why=WhyTeller(watchlist, references, outbox, price_history, events, self._quiet, clock),
            history=history,
            pages=pages,
        )
        forgetting = Forgetting(
            personal,
            bot_state,
            StoreStorage(bot_state),
            conversation_state,
            self._quiet,
            locks,
            turn_wait_seconds,
        )
        self._dialogs = DialogSet(self._dialog_state)
        dialogs = [
            WatchDialog(catalog, watchlist, default_drop, pages),
            RemoveDialog(watchlist),
            ForgetDialog(forgetting),
        ]
        for dialog in dialogs:
            self._dialogs.add(dialog)
        self._dialog_ids = frozenset(dialog.id for dialog in dialogs)

    async def on_turn(self, turn_context: TurnContext) -> None:
        """One turn at a time per conversation: a proactive turn comes with the lock
        (the delivery took it); a user's turn takes it, waiting at most
        `turn_wait_seconds` for a proactive turn still sending."""
        if _is_proactive(turn_context):
            await self._run_turn(turn_context)
            return
        key = conversation_key(turn_context.activity)
        async with self._locks.hold(key, self._turn_wait_seconds) as mine:
            if not mine:
                logger.warning(
                    "conversation %s was still busy after %.0f s; this turn runs anyway",
                    key,
                    self._turn_wait_seconds,
                )
            await self._remember(turn_context)
            await self._run_turn(turn_context)

    async def _run_turn(self, turn_context: TurnContext) -> None:
        await self._load_state(turn_context)
        await super().on_turn(turn_context)
        await self._conversation_state.save_changes(turn_context)

    async def _load_state(self, turn_context: TurnContext) -> None:
        """Load the conversation's state; one that cannot be used starts the conversation over.

        Otherwise every later turn would fail on the same stored document.
        """
        state = self._conversation_state
        try:
            await state.load(turn_context)
            if not _is_usable(state.get(turn_context), self._dialog_ids):
                raise CorruptStateError(state.get_storage_key(turn_context))
        except CorruptStateError as error:
            logger.error("starting conversation %s over: its state is unusable", error.key)
            await self._bot_state.delete([error.key])
            await state.load(turn_context, force=True)
            await self._greeted.set(turn_context, True)
            await self._started_over.set(turn_context, True)

    async def _remember(self, turn_context: TurnContext) -> None:
        """Every inbound activity refreshes the reference proactive messages use."""
        activity = turn_context.activity
        if not activity.conversation or not activity.service_url:
            return
        reference = TurnContext.get_conversation_reference(activity)
        reference.activity_id = (
            None  # alerts answer nothing; an unchanged reference isn't rewritten
        )
        if reference.conversation is not None and not reference.conversation.tenant_id:
            # Teams' tenant, from channelData (botbuilder drops its conversation.tenantId):
            # it keys the alerts' pacing (BotProactiveTurns.channel_of).
            reference.conversation.tenant_id = tenant_id(activity) or None
        await self._references.save(
            conversation_key(activity), model_json(reference), self._clock()
        )

    async def on_members_added_activity(
        self, members_added: List[ChannelAccount], turn_context: TurnContext
    ) -> None:
        """Greet whoever joined; a member back where the bot kept the watches it stopped
        when they left is offered to resume them."""
        others = _others(members_added, turn_context)
        if not others:
            return
        key = conversation_key(turn_context.activity)
        stopped = await self._departures.stopped(key, bot_left=False)
        returning = {
            member.id: mine
            for member in others
            if (mine := [watch for watch in stopped if watch.user_id == member.id])
        }
        if not returning:
            await self._greet(turn_context)
            return
        times = await self._quiet.local_times(turn_context, self._clock())
        for mine in returning.values():
            kept = self._departures.deleted_after(mine)
            await turn_context.send_activity(
                texts.welcome_back_member(mine[0].owner_name, mine, kept, times)
            )
        await self._greeted.set(turn_context, True)

    async def on_members_removed_activity(
        self, members_removed: List[ChannelAccount], turn_context: TurnContext
    ) -> None:
        """The bot removed: as an uninstall. A member gone: their watches here stop."""
        key = conversation_key(turn_context.activity)
        others = _others(members_removed, turn_context)
        if len(others) < len(members_removed):
            await self._departures.bot_left(key, Departure.BOT_REMOVED)
            return
        for member in others:
            if member.id:
                await self._departures.member_left(key, member.id)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        """Installed (again): the greeting, offering to resume what was stopped when the
        bot was removed."""
        if turn_context.activity.action != INSTALLED:
            return
        activity = turn_context.activity
        stopped = await self._departures.stopped(conversation_key(activity), bot_left=True)
        if not stopped:
            await self._greet(turn_context)
            return
        times = await self._quiet.local_times(turn_context, self._clock())
        kept = self._departures.deleted_after(stopped)
        await turn_context.send_activity(
            texts.welcome_back(stopped, kept, times, group=is_group(activity))
        )
        await self._greeted.set(turn_context, True)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        """Uninstalled: the conversation's watches stop, and nothing more is sent there
        (not even a goodbye: the channel would refuse it)."""
        if turn_context.activity.action != UNINSTALLED:
            return
        key = conversation_key(turn_context.activity)
        await self._departures.bot_left(key, Departure.BOT_REMOVED)

    async def _greet(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(texts.GREETING)
        await self._greeted.set(turn_context, True)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        turn_context.activity.text = without_bot_mention(turn_context.activity)
        if await self._started_over.get(turn_context, lambda: False):
            await turn_context.send_activity(texts.STARTED_OVER)
            await self._started_over.delete(turn_context)
        await self._quiet.remember_channel_zone(turn_context)
        first_message = not await self._greeted.get(turn_context, lambda: False)
        if first_message:
            await self._greet(turn_context)
        dialog_context = await self._dialogs.create_context(turn_context)
        try:
            await self._answer(
                turn_context, Turn(dialog_context, self._services, greeted_now=first_message)
            )
        finally:
            let_go(dialog_context)  # freed as the turn ends (dialogs/acyclic.py)

    async def _answer(self, turn_context: TurnContext, turn: Turn) -> None:
        """A message: a card's button, a command, an interruption or a dialog's answer;
        then what the turn owes the user (the page's watches, alerts that waited)."""
        dialog_context = turn.dialogs
        text, value = turn_context.activity.text, turn_context.activity.value
        if is_card_action(value):  # a card's button, wherever the user is
            # The presser's own zone in a group: only the alert's owner's press does anything.
            times = await self._quiet.local_times_of(
                turn_context, self._clock(), user_id(turn_context.activity)
            )
            pressed = await self._card_actions.handle(turn_context, value, times)
            if not await self._card_updates.replace(turn_context, pressed, times):
                await turn_context.send_activity(pressed.reply)
            if dialog_context.active_dialog is not None:
                await dialog_context.reprompt_dialog()
        elif dialog_context.active_dialog is None:
            await command_in(text).handle(turn)
        elif (interruption := interruption_in(text)) is not None:
            await interruption.handle(turn)
        else:
            await dialog_context.continue_dialog()
        await tell_page(
            turn_context, self._watchlist.changed(conversation_key(turn_context.activity))
        )
        await self._send_alerts(turn_context, dialog_context.active_dialog is not None)

    async def on_event_activity(self, turn_context: TurnContext) -> None:
        if turn_context.activity.name != CONTINUE_CONVERSATION:
            return
        batch = turn_context.turn_state.get(PROACTIVE_BATCH)
        if batch is None:
            return
        await self._send_alerts(turn_context, await self._dialog_waiting(turn_context), batch)

    async def _dialog_waiting(self, turn_context: TurnContext) -> bool:
        """Whether a question waits for the user's answer, read from the stored dialog
        stack: the same answer as a DialogContext's `active_dialog`, without building one
        (its memory scopes and path resolvers) on every proactive turn."""
        state: DialogState | None = await self._dialog_state.get(turn_context)
        return state is not None and bool(state.dialog_stack)

    async def _send_alerts(
        self, context: TurnContext, dialog_waiting: bool, batch: ProactiveBatch | None = None
    ) -> None:
        """What the turn sends of the conversation's alerts (outbox/in_turn.py decides):
        a proactive turn's batch, or on a user's turn what waited."""
        quiet_until, members_quiet = await self._quiet.audience(context, self._clock())

        async def times_of(owner: str) -> LocalTimes:
            return await self._quiet.local_times_of(context, self._clock(), owner)

        await self._alerts.run(
            conversation_key(context.activity),
            dialog_waiting=dialog_waiting,
            send=alert_sender(context, self._clock, self._alert_facts, times_of, self._drop_parts),
            batch=batch,
            quiet_until=quiet_until,
            members_quiet=members_quiet,
        )

    async def on_unrecognized_activity_type(self, turn_context: TurnContext) -> None:
        return None


def _is_usable(document: dict[str, object] | None, dialog_ids: frozenset[str]) -> bool:
    """Whether a conversation state document has the shapes this bot stores in it."""
    document = document or {}
    dialog_state = document.get(DIALOG_STATE, DialogState())
    # getattr: a decoded object may lack attributes its class always sets.
    stack = getattr(dialog_state, "dialog_stack", None)
    return (
        quiet_state_is_usable(document)
        and isinstance(document.get(GREETED, False), bool)
        and isinstance(document.get(STARTED_OVER, False), bool)
        and isinstance(dialog_state, DialogState)
        and isinstance(stack, list)
        and all(
            isinstance(instance, DialogInstance)
            and getattr(instance, "id", None) in dialog_ids
            and isinstance(getattr(instance, "state", None), dict)
            for instance in stack
        )
    )


def _others(members: List[ChannelAccount], turn_context: TurnContext) -> List[ChannelAccount]:
    """The members that are not the bot (all of them when the bot's own id is not known)."""
    bot = turn_context.activity.recipient
    return [member for member in members if bot is None or member.id != bot.id]


def _is_proactive(turn_context: TurnContext) -> bool:
    activity = turn_context.activity
    return activity.type == ActivityTypes.event and activity.name == CONTINUE_CONVERSATION
