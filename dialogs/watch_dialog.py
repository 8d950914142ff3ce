"""Register a watch: which product, what drop, confirm, save."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.dialogs import (
    DialogTurnResult,
    WaterfallStepContext,
)
from botbuilder.dialogs.choices import ListStyle
from botbuilder.dialogs.prompts import (
    ConfirmPrompt,
    PromptOptions,
    PromptValidatorContext,
    TextPrompt,
)
from botbuilder.schema import Activity

from dialogs import texts
from dialogs.acyclic import AcyclicComponentDialog, AcyclicWaterfallDialog
from dialogs.choices import offer, question
from dialogs.commands.drops import Drop, parse_drop
from dialogs.commands.words import CommandError, clean_text
from dialogs.keys import conversation_key, owner_scope, user_id, user_name
from dialogs.page_looks import (
    OFFER_PREFIX,
    chosen_offer,
    look_from,
    offer_buttons,
    out_of_stock,
    product_of,
)
from domain.pages import is_page_product
from domain.products import Product
from domain.rules import Rule, RuleKind, below_rule, percent_rule, to_cents
from domain.watches import same_watch
from feed.catalog import Catalog, match_products
from feed.client import FeedError
from shops.pages import ShopPages
from watchers.watchlist import WatchLimitReached, Watchlist

logger = logging.getLogger(__name__)

PRODUCT_PROMPT = "WatchDialog.product"
DROP_PROMPT = "WatchDialog.drop"
CONFIRM_PROMPT = "WatchDialog.confirm"
DEFAULT_WORDS = frozenset({"default", "ok", "okay", "yes", "sure"})


def watch_options(
    query: str | None = None, drop: Drop | None = None, page: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Dialog options as plain values, so dialog state stays easy to store. `page`: a shop
    page already read (dialogs/page_looks.py `look_values`)."""
    options = {
        "query": query or None,
        "percent": None if drop is None or drop.percent is None else str(drop.percent),
        "below": None if drop is None or drop.below is None else str(drop.below),
    }
    if page is not None:
        options["page"] = page
    return options


def _drop_from(values: dict[str, Any]) -> Drop | None:
    if values.get("percent"):
        return Drop(percent=Decimal(values["percent"]))
    if values.get("below"):
        return Drop(below=Decimal(values["below"]))
    return None


def make_rule(price: Decimal, drop: Drop) -> Rule:
    if drop.below is not None:
        return below_rule(price, drop.below)
    assert drop.percent is not None
    return percent_rule(price, drop.percent)


async def create_watch(
    context: TurnContext, watchlist: Watchlist, product: Product, rule: Rule
) -> str:
    """Save a watch for this conversation and say what was promised."""
    try:
        activity = context.activity
        await watchlist.add(
            conversation_key(activity),
            user_id(activity),
            product,
            rule,
            owner_name=user_name(activity),
        )
    except WatchLimitReached as limit:
        return texts.watch_limit_reached(limit.limit)
    return "Done! " + texts.describe_rule(product.name, product.currency, rule)


def same_promise(rule: Rule, other: Rule) -> bool:
    """Whether two rules fire at the same price for the same reason: asking for the
    watch one has already changes nothing."""
    return (
        rule.kind is other.kind
        and rule.trigger_price == other.trigger_price
        and (rule.kind is not RuleKind.PERCENT or rule.threshold_percent == other.threshold_percent)
    )


class WatchDialog(AcyclicComponentDialog):
    def __init__(
        self, catalog: Catalog, watchlist: Watchlist, default_drop: Decimal, pages: ShopPages
    ) -> None:
        super().__init__(WatchDialog.__name__)
        self._catalog = catalog
        self._pages = pages
        self._watchlist = watchlist
        self._default_drop = default_drop
        self.add_dialog(TextPrompt(PRODUCT_PROMPT, self._product_is_known))
        self.add_dialog(TextPrompt(DROP_PROMPT, self._drop_is_valid))
        confirm = ConfirmPrompt(CONFIRM_PROMPT, default_locale="en-us")
        confirm.style = ListStyle.suggested_action
        self.add_dialog(confirm)
        self.add_dialog(
            AcyclicWaterfallDialog(
                "WatchDialog.steps",
                [self._product_step, self._drop_step, self._confirm_step, self._save_step],
            )
        )
        self.initial_dialog_id = "WatchDialog.steps"

    async def _product_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        step.values.update(step.options or watch_options())
        if step.values.get("page") is not None:
            look = look_from(step.values["page"])
            assert look.reading is not None
            if len(look.reading.offers) == 1:
                return await step.next(OFFER_PREFIX + "0")
            buttons = offer_buttons(look)
            name = look.reading.name or look.host
            prompt = offer(
                f"{name} comes at {len(buttons)} different prices on that page. Which one"
                " should I watch?",
                buttons,
            )
            return await step.prompt(
                PRODUCT_PROMPT,
                PromptOptions(prompt=prompt, validations={"page": step.values["page"]}),
            )
        try:
            products = await self._catalog.products()
        except FeedError:
            logger.warning("the catalog is unavailable; leaving the watch dialog")
            await step.context.send_activity(texts.FEED_DOWN)
            return await step.end_dialog()
        query = step.values.get("query")
        matches = match_products(products, query) if query else []
        if len(matches) == 1:
            return await step.next(matches[0].id)
        if len(matches) > 1:
            prompt = offer(f"{texts.several_products_match(query)} Which one?", _names(matches))
        elif query:
            prompt = offer(f"{texts.no_product_matches(query)} Which product?", _names(products))
        else:
            prompt = offer("Which product should I watch?", _names(products))
        return await step.prompt(PRODUCT_PROMPT, PromptOptions(prompt=prompt))

    async def _product_is_known(self, prompt: PromptValidatorContext) -> bool:
        text = clean_text(prompt.recognized.value) if prompt.recognized.succeeded else ""
        page = self._page_of(prompt)
        if page is not None:
            look = look_from(page)
            chosen = chosen_offer(look, text)
            if chosen is not None:
                prompt.recognized.value = OFFER_PREFIX + str(chosen)
                return True
            await prompt.context.send_activity(
                offer("Which one? Tap one of these, or type part of its name.", offer_buttons(look))
            )
            return False
        try:
            products = await self._catalog.products()
        except FeedError:
            await prompt.context.send_activity(texts.FEED_DOWN)
            return False
        matches = match_products(products, text) if text else []
        if len(matches) == 1:
            prompt.recognized.value = matches[0].id
            return True
        if matches:
            message = offer(
                f"{texts.several_products_match(text)} Which one? {texts.OR_CANCEL}",
                _names(matches),
            )
        else:
            pick = f"Pick one of these, or type part of its name. {texts.OR_CANCEL}"
            message = offer(
                f"{texts.no_product_matches(text)} {pick}" if text else pick, _names(products)
            )
        await prompt.context.send_activity(message)
        return False

    async def _drop_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        if str(step.result).startswith(OFFER_PREFIX):
            look = look_from(step.values["page"])
            assert look.reading is not None
            chosen = look.reading.offers[int(str(step.result)[len(OFFER_PREFIX) :])]
            if not chosen.available:
                await step.context.send_activity(out_of_stock(look, chosen))
                return await step.end_dialog()
            product: Product | None = await product_of(self._pages, look, chosen)
        else:
            product = await self._product(step.result)
        if product is None:
            await step.context.send_activity(texts.FEED_DOWN)
            return await step.end_dialog()
        try:
            price = await self._watchlist.current_price(product.id)
        except FeedError:
            await step.context.send_activity(texts.FEED_DOWN)
            return await step.end_dialog()
        if price is None:
            await step.context.send_activity(
                f"{texts.md(product.name)} has no price right now, so I can't watch it yet."
                " Please try again later."
            )
            return await step.end_dialog()
        step.values["product_id"] = product.id
        step.values["price"] = str(price)
        drop = _drop_from(step.values)
        if drop is not None:
            return await step.next(drop)
        return await step.prompt(
            DROP_PROMPT,
            PromptOptions(
                prompt=self._drop_question(product, price),
                validations={"product_id": product.id, "price": str(price)},
            ),
        )

    def _drop_question(self, product: Product, price: Decimal, correction: str = "") -> Activity:
        example = f"below {_example_target(price)}"
        buttons = [f"{self._default_drop:g}%", "10%", "30%", example]
        if correction:
            return offer(
                f"{correction} How big a drop should I wait for? {texts.OR_CANCEL}", buttons
            )
        return offer(
            f"{texts.md(product.name)} is {texts.money(price, product.currency)} now."
            " How big a drop should I wait for? Say a percentage"
            f' ({self._default_drop:g}% if you say "default"), or a price like "{example}".',
            buttons,
        )

    async def _drop_is_valid(self, prompt: PromptValidatorContext) -> bool:
        text = clean_text(prompt.recognized.value) if prompt.recognized.succeeded else ""
        if text.casefold() in DEFAULT_WORDS:
            prompt.recognized.value = Drop(percent=self._default_drop)
            return True
        try:
            prompt.recognized.value = parse_drop(text)
        except CommandError as error:
            values = prompt.options.validations or {}
            product = await self._product(values.get("product_id", ""))
            if product is None or "price" not in values:
                await prompt.context.send_activity(
                    question(f"{error} How big a drop should I wait for? {texts.OR_CANCEL}")
                )
            else:
                again = self._drop_question(product, Decimal(values["price"]), str(error))
                await prompt.context.send_activity(again)
            return False
        return True

    async def _confirm_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        drop: Drop = step.result
        product = await self._product(step.values["product_id"])
        if product is None:
            await step.context.send_activity(texts.FEED_DOWN)
            return await step.end_dialog()
        rule = make_rule(Decimal(step.values["price"]), drop)
        step.values.update(watch_options(step.values.get("query"), drop))
        promise = texts.describe_rule(product.name, product.currency, rule)
        activity = step.context.activity
        watches = await self._watchlist.of(conversation_key(activity), owner_scope(activity))
        existing = same_watch(watches, product.id, protection=False)
        step.values["existing"] = None if existing is None else existing.id
        if existing is None:
            asked = f"{promise} Shall I?"
        elif same_promise(existing.rule, rule):
            await step.context.send_activity(texts.already_watching(existing))
            return await step.end_dialog()
        else:
            asked = f"{texts.already_watching(existing)} Change it? {promise}"
        return await step.prompt(
            CONFIRM_PROMPT,
            PromptOptions(
                prompt=question(asked),
                retry_prompt=question(f'Please say "yes" or "no". {asked}'),
            ),
        )

    async def _save_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        product = await self._product(step.values["product_id"])
        drop = _drop_from(step.values)
        existing = step.values.get("existing")
        if not step.result or product is None or drop is None:
            await step.context.send_activity(
                texts.LEFT_AS_IT_WAS if existing else texts.NOT_WATCHED
            )
            return await step.end_dialog()
        rule = make_rule(Decimal(step.values["price"]), drop)
        key = conversation_key(step.context.activity)
        owner = owner_scope(step.context.activity)
        changed = (
            None if existing is None else await self._watchlist.set_rule(key, existing, rule, owner)
        )
        if changed is not None:
            reply = "Changed! " + texts.describe_rule(product.name, product.currency, rule)
        else:
            reply = await create_watch(step.context, self._watchlist, product, rule)
        await step.context.send_activity(reply)
        return await step.end_dialog()

    @staticmethod
    def _page_of(prompt: PromptValidatorContext) -> dict[str, Any] | None:
        """The page being chosen from, while the product question is about its offers."""
        page = (prompt.options.validations or {}).get("page")
        return page if isinstance(page, dict) else None

    async def _product(self, product_id: str) -> Product | None:
        if is_page_product(product_id):
            page = await self._pages.product(product_id)
            return (
                None if page is None else Product(page.product_id, page.name, None, page.currency)
            )
        try:
            products = await self._catalog.products()
        except FeedError:
            return None
        return next((product for product in products if product.id == product_id), None)


def _example_target(price: Decimal) -> Decimal:
    """10% under the price: whole units, or cents for something cheap."""
    target = price * Decimal("0.9")
    return Decimal(int(target)) if target >= 10 else to_cents(target)


def _names(products: list[Product]) -> list[str]:
    return [product.name for product in products]
