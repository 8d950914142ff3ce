"""`forget me`: say what goes, ask, and delete everything held about the person who asked.

In a group the question is the conversation's, but only its asker's answer counts: anyone
else's "yes" is refused (their data is not what was asked about). The dialog keeps who
asked as a hash of their id, so a question left unanswered names no one.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from botbuilder.core import TurnContext
from botbuilder.dialogs import (
    DialogTurnResult,
    WaterfallStepContext,
)
from botbuilder.dialogs.choices import ListStyle
from botbuilder.dialogs.prompts import ConfirmPrompt, PromptOptions, PromptValidatorContext

from dialogs import texts
from dialogs.acyclic import AcyclicComponentDialog, AcyclicWaterfallDialog
from dialogs.choices import question
from dialogs.keys import user_id
from domain.personal_data import PersonalData

CONFIRM_PROMPT = "ForgetDialog.confirm"
ASKER = "asker"


class Forgetter(Protocol):
    """bots/forgetting.py's Forgetting: what is held about the turn's sender, and its deletion."""

    async def held(self, context: TurnContext) -> PersonalData: ...

    async def forget(self, context: TurnContext) -> PersonalData: ...


def asker_of(context: TurnContext) -> str:
    """Who is speaking, as the dialog keeps it: a hash of their id, never the id."""
    return hashlib.sha256(user_id(context.activity).encode()).hexdigest()


class ForgetDialog(AcyclicComponentDialog):
    def __init__(self, forgetter: Forgetter) -> None:
        super().__init__(ForgetDialog.__name__)
        self._forgetter = forgetter
        confirm = ConfirmPrompt(CONFIRM_PROMPT, self._asker_answers, default_locale="en-us")
        confirm.style = ListStyle.suggested_action
        self.add_dialog(confirm)
        self.add_dialog(
            AcyclicWaterfallDialog("ForgetDialog.steps", [self._ask_step, self._forget_step])
        )
        self.initial_dialog_id = "ForgetDialog.steps"

    async def _ask_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        held = await self._forgetter.held(step.context)
        return await step.prompt(
            CONFIRM_PROMPT,
            PromptOptions(
                prompt=question(texts.forget_question(held)),
                retry_prompt=question(texts.FORGET_RETRY),
                validations={ASKER: asker_of(step.context)},
            ),
        )

    async def _asker_answers(self, prompt: PromptValidatorContext) -> bool:
        asker = (prompt.options.validations or {}).get(ASKER)
        if asker != asker_of(prompt.context):
            # Said by someone else: no question again (a reply was sent), it stays open.
            await prompt.context.send_activity(texts.FORGET_NOT_YOURS)
            return False
        return prompt.recognized.succeeded

    async def _forget_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        if not step.result:
            await step.context.send_activity(texts.FORGET_KEPT)
            return await step.end_dialog()
        deleted = await self._forgetter.forget(step.context)
        await step.context.send_activity(texts.forgotten(deleted))
        return await step.end_dialog()
