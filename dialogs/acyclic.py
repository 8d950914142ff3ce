"""Dialog contexts that are freed as their turn ends, not left for the garbage collector.

Every botbuilder DialogContext makes a DialogStateManager that refers back to it: a
reference cycle, which holds the whole turn (its context, activity and state) until the
collector's next pass. A user's message makes one at the top (bots/price_watch_bot.py),
and a dialog's turn more inside: ComponentDialog an inner one for its waterfall, and the
waterfall one per step. None of our code nor the SDK's dialog code reads a context's
`state` (its memory scopes) once the context has been handled, so each cycle is broken
there: the turn is then freed by reference counting as it ends.
"""

from __future__ import annotations

from botbuilder.dialogs import (
    ComponentDialog,
    DialogContext,
    DialogTurnResult,
    WaterfallDialog,
    WaterfallStepContext,
)


def let_go(dialog_context: DialogContext) -> None:
    """Break the context's cycle with its DialogStateManager: once it has been handled."""
    dialog_context.__dict__.pop("state", None)


class AcyclicComponentDialog(ComponentDialog):
    """A ComponentDialog whose inner context is let go once its turn has been handled."""

    async def on_begin_dialog(self, inner_dc: DialogContext, options: object) -> DialogTurnResult:
        try:
            return await super().on_begin_dialog(inner_dc, options)
        finally:
            let_go(inner_dc)

    async def on_continue_dialog(self, inner_dc: DialogContext) -> DialogTurnResult:
        try:
            return await super().on_continue_dialog(inner_dc)
        finally:
            let_go(inner_dc)


class AcyclicWaterfallDialog(WaterfallDialog):
    """A WaterfallDialog whose step contexts are let go once their step has run."""

    async def on_step(self, step_context: WaterfallStepContext) -> DialogTurnResult:
        try:
            return await super().on_step(step_context)
        finally:
            let_go(step_context)
