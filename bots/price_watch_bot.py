"""The ActivityHandler: chat commands, dialogs, and the proactive alert turn."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import List

from botbuilder.core import ActivityHandler, ConversationState, TurnContext
from botbuilder.dialogs import DialogContext, DialogInstance, DialogSet, DialogState
from botbuilder.schema import ActivityTypes, ChannelAccount

from bots.alert_sender import alert_sender
from bots.bot_storage import CorruptStateError
from bots.card_channels import shows_cards
from bots.proactive import PROACTIVE_BATCH
from bots.quiet_settings import QuietSettings, quiet_state_is_usable
from bots.why import PriceHistory, WhyTeller
from dialogs import texts
from dialogs.card_actions import CardActions, is_card_action
from dialogs.commands.bought import BoughtCommand
from dialogs.commands.cancel import Cancel
from dialogs.commands.greeting import Greeting
from dialogs.commands.help import Help
from dialogs.commands.history import HistoryCommand
from dialogs.commands.list_watches import ListWatches
from dialogs.commands.no_text import NoText
from dialogs.commands.pause import PauseCommand
from dialogs.commands.quiet import QuietCommand
from dialogs.commands.remove import RemoveCommand
from dialogs.commands.resume import ResumeCommand
from dialogs.commands.snooze import SnoozeCommand
from dialogs.commands.table import parse_command
from dialogs.commands.timezone import TimezoneCommand
from dialogs.commands.watch import WatchCommand
from dialogs.commands.why import WhyCommand
from dialogs.commands.words import CommandError, clean_text
from dialogs.history_reply import HistoryReplies
from dialogs.keys import conversation_key
from dialogs.remove_dialog import RemoveDialog, remove_options
from dialogs.sleep_commands import SleepCommands
from dialogs.watch_dialog import WatchDialog, create_watch, make_rule, watch_options
from domain.clock import Clock
from feed.catalog import Catalog
from feed.client import FeedError
from outbox.in_turn import AlertsInTurn
from state.interfaces import BotStateStore, OutboxStore, ReferenceStore, TurnLocks
from watchers.alert_facts import AlertFactsProvider, AlertFactsSource
from watchers.watchlist import Watchlist

logger = logging.getLogger(__name__)

CONTINUE_CONVERSATION = "ContinueConversation"
# Conversation state properties.
DIALOG_STATE = "DialogState"
GREETED = "Greeted"
STARTED_OVER = "StartedOver"


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
        alert_facts: AlertFactsSource | None = None,
        history: HistoryReplies | None = None,
        outbox: OutboxStore | None = None,
        price_history: PriceHistory | None = None,
    ) -> None:
        self._conversation_state = conversation_state
        self._references = references
        self._bot_state = bot_state
        self._locks = locks
        self._turn_wait_seconds = turn_wait_seconds
        self._catalog = catalog
        self._watchlist = watchlist
        self._alerts = alerts
        self._clock = clock
        self._default_drop = default_drop
        self._alert_facts = alert_facts or AlertFactsProvider(watchlist.of, clock)
        self._history = history
        self._sleep_commands = SleepCommands(catalog, watchlist, clock)
        self._card_actions = CardActions(watchlist, clock)
        self._dialog_state = conversation_state.create_property(DIALOG_STATE)
        self._greeted = conversation_state.create_property(GREETED)
        self._started_over = conversation_state.create_property(STARTED_OVER)
        self._quiet = QuietSettings(conversation_state, alerts)
        self._why = WhyTeller(watchlist, references, outbox, price_history, self._quiet, clock)
        self._dialogs = DialogSet(self._dialog_state)
        dialogs = [WatchDialog(catalog, watchlist, default_drop), RemoveDialog(watchlist)]
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
        await self._references.save(
            conversation_key(activity), reference.serialize(), self._clock()
        )

    async def on_members_added_activity(
        self, members_added: List[ChannelAccount], turn_context: TurnContext
    ) -> None:
        bot = turn_context.activity.recipient
        if any(bot is None or member.id != bot.id for member in members_added):
            await self._greet(turn_context)

    async def _greet(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(texts.GREETING)
        await self._greeted.set(turn_context, True)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        if await self._started_over.get(turn_context, lambda: False):
            await turn_context.send_activity(texts.STARTED_OVER)
            await self._started_over.delete(turn_context)
        await self._quiet.remember_channel_zone(turn_context)
        first_message = not await self._greeted.get(turn_context, lambda: False)
        if first_message:
            await self._greet(turn_context)
        dialog_context = await self._dialogs.create_context(turn_context)
        value = turn_context.activity.value
        if is_card_action(value):  # a card's button, wherever the user is
            await turn_context.send_activity(await self._card_actions.handle(turn_context, value))
            if dialog_context.active_dialog is not None:
                await dialog_context.reprompt_dialog()
        elif dialog_context.active_dialog is not None:
            await self._in_dialog(dialog_context)
        else:
            await self._route(dialog_context, greeted_now=first_message)
        await self._alerts.run(
            conversation_key(turn_context.activity),
            dialog_waiting=dialog_context.active_dialog is not None,
            send=alert_sender(turn_context, self._clock, self._alert_facts),
            quiet_until=await self._quiet.quiet_until(turn_context, self._clock()),
        )

    async def _in_dialog(self, dialog_context: DialogContext) -> None:
        context = dialog_context.context
        word = clean_text(context.activity.text).casefold()
        if word in {"cancel", "stop", "quit"}:
            await dialog_context.cancel_all_dialogs()
            await context.send_activity(texts.CANCELLED)
        elif word in {"help", "?"}:
            await context.send_activity(texts.help_text(self._default_drop))
            await dialog_context.reprompt_dialog()
        else:
            await dialog_context.continue_dialog()

    async def _route(self, dialog_context: DialogContext, greeted_now: bool) -> None:
        context = dialog_context.context
        try:
            command = parse_command(context.activity.text)
        except CommandError as error:
            await context.send_activity(str(error))
            return
        if isinstance(command, Help):
            await context.send_activity(texts.help_text(self._default_drop))
        elif isinstance(command, Greeting):
            if not greeted_now:
                await context.send_activity(texts.GREETING)
        elif isinstance(command, ListWatches):
            watches = await self._watchlist.of(conversation_key(context.activity))
            prices = await self._watchlist.prices_for(watches)
            await context.send_activity(texts.watch_list(watches, prices, self._clock()))
        elif isinstance(command, Cancel):
            await context.send_activity(texts.NOTHING_TO_CANCEL)
        elif isinstance(command, WatchCommand):
            await self._watch(dialog_context, command)
        elif isinstance(command, RemoveCommand):
            await dialog_context.begin_dialog(
                RemoveDialog.__name__, remove_options(command.index, command.query)
            )
        elif isinstance(command, HistoryCommand) and self._history is not None:
            key = conversation_key(context.activity)
            reply = await self._history.reply(key, command)
            if not isinstance(reply, str) and shows_cards(context.activity.channel_id):
                reply.text = reply.summary  # the card shows the figures
            await context.send_activity(reply)
        elif isinstance(command, (PauseCommand, ResumeCommand, SnoozeCommand)):
            await context.send_activity(await self._sleep_commands.sleep_or_wake(context, command))
        elif isinstance(command, BoughtCommand):
            await context.send_activity(await self._sleep_commands.bought(context, command))
        elif isinstance(command, QuietCommand):
            await context.send_activity(await self._quiet.quiet(context, command))
        elif isinstance(command, TimezoneCommand):
            await context.send_activity(await self._quiet.timezone(context, command))
        elif isinstance(command, WhyCommand):
            await context.send_activity(await self._why.tell(context, command, dialog_open=False))
        elif isinstance(command, NoText):
            await context.send_activity(texts.NO_TEXT)
        else:
            await context.send_activity(texts.FALLBACK)

    async def _watch(self, dialog_context: DialogContext, command: WatchCommand) -> None:
        """One shot when the product and drop are clear; otherwise the dialog asks."""
        context = dialog_context.context
        if command.query and command.drop is not None:
            try:
                matches = await self._catalog.find(command.query)
                price = (
                    await self._watchlist.current_price(matches[0].id)
                    if len(matches) == 1
                    else None
                )
            except FeedError:
                await context.send_activity(texts.FEED_DOWN)
                return
            if price is not None:
                rule = make_rule(price, command.drop)
                await context.send_activity(
                    await create_watch(context, self._watchlist, matches[0], rule)
                )
                return
        await dialog_context.begin_dialog(
            WatchDialog.__name__, watch_options(command.query, command.drop)
        )

    async def on_event_activity(self, turn_context: TurnContext) -> None:
        if turn_context.activity.name != CONTINUE_CONVERSATION:
            return
        batch = turn_context.turn_state.get(PROACTIVE_BATCH)
        if batch is None:
            return
        dialog_context = await self._dialogs.create_context(turn_context)
        await self._alerts.run(
            conversation_key(turn_context.activity),
            dialog_waiting=dialog_context.active_dialog is not None,
            send=alert_sender(turn_context, self._clock, self._alert_facts),
            batch=batch,
            quiet_until=await self._quiet.quiet_until(turn_context, self._clock()),
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


def _is_proactive(turn_context: TurnContext) -> bool:
    activity = turn_context.activity
    return activity.type == ActivityTypes.event and activity.name == CONTINUE_CONVERSATION
