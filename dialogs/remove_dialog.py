"""Stop watching: by number, by name, or by picking from a list."""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.dialogs import (
    DialogTurnResult,
    WaterfallStepContext,
)
from botbuilder.dialogs.choices import Choice, FindChoicesOptions, ListStyle
from botbuilder.dialogs.prompts import ChoicePrompt, PromptOptions

from dialogs import texts
from dialogs.acyclic import AcyclicComponentDialog, AcyclicWaterfallDialog
from dialogs.choices import question
from dialogs.keys import conversation_key, owner_scope
from domain.owners import belongs_to
from domain.watches import Watch
from feed.catalog import name_matches
from watchers.watchlist import Watchlist

logger = logging.getLogger(__name__)

CHOICE_PROMPT = "RemoveDialog.which"


def remove_options(index: int | None = None, query: str = "") -> dict[str, Any]:
    return {"index": index, "query": query}


def watches_named(watches: list[Watch], query: str) -> list[Watch]:
    """Watches whose product name the query names (`feed.catalog.name_matches`: words
    in any case, punctuation ignored), as the catalog matches products."""
    return [watch for watch in watches if name_matches(query, watch.product_name)]


class RemoveDialog(AcyclicComponentDialog):
    def __init__(self, watchlist: Watchlist) -> None:
        super().__init__(RemoveDialog.__name__)
        self._watchlist = watchlist
        which = ChoicePrompt(CHOICE_PROMPT, default_locale="en-us")
        which.style = ListStyle.suggested_action
        # "2" means watch number 2 as listed, never the second button.
        which.recognizer_options = FindChoicesOptions(
            recognize_numbers=False, recognize_ordinals=False
        )
        self.add_dialog(which)
        self.add_dialog(
            AcyclicWaterfallDialog("RemoveDialog.steps", [self._which_step, self._remove_step])
        )
        self.initial_dialog_id = "RemoveDialog.steps"

    async def _which_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        options = step.options or remove_options()
        activity = step.context.activity
        watches = await self._watchlist.of(conversation_key(activity), owner_scope(activity))
        if not watches:
            await step.context.send_activity(texts.NO_WATCHES)
            return await step.end_dialog()
        index, query = options.get("index"), options.get("query") or ""
        if index is not None:
            if 1 <= index <= len(watches):
                return await step.next(watches[index - 1].id)
            await step.context.send_activity(texts.no_such_number(len(watches)))
            return await step.end_dialog()
        candidates = watches_named(watches, query) if query else watches
        if query and not candidates:
            await step.context.send_activity(texts.no_watch_matches(query))
            return await step.end_dialog()
        if len(candidates) == 1 and query:
            return await step.next(candidates[0].id)
        step.values["candidates"] = [watch.id for watch in candidates]
        numbered = {watch.id: n for n, watch in enumerate(watches, 1)}
        choices = [
            Choice(
                texts.watch_label(numbered[w.id], w),
                synonyms=[str(numbered[w.id]), w.product_name],
            )
            for w in candidates
        ]
        return await step.prompt(
            CHOICE_PROMPT,
            PromptOptions(
                prompt=question("Which watch should I remove?"),
                retry_prompt=question(f"Which watch should I remove? {texts.OR_CANCEL}"),
                choices=choices,
            ),
        )

    async def _remove_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        result = step.result
        watch_id = step.values["candidates"][result.index] if hasattr(result, "index") else result
        key, owner = conversation_key(step.context.activity), owner_scope(step.context.activity)
        watch = await self._watchlist.get(key, watch_id)
        if watch is not None and not belongs_to(watch, owner):
            # In a group the question is the conversation's: another member answered it.
            await step.context.send_activity(texts.not_your_watch(watch.owner_name))
        elif watch is None or not await self._watchlist.remove(key, watch, owner):
            await step.context.send_activity(texts.ALREADY_GONE)
        else:
            await step.context.send_activity(texts.stopped_watching(watch.product_name))
        return await step.end_dialog()
