"""The one interface everything that must survive a restart goes through."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, Sequence

from state.models import (
    Alert,
    Attempt,
    NewWatch,
    PollChanges,
    PollMemory,
    PriceMove,
    ProductHealth,
    Recheck,
    StateRecord,
    Watch,
)


class EtagConflict(Exception):
    """A state write lost a race: someone wrote the document since it was read."""


class Store(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def checkpoint(self) -> None:
        """Make recent writes part of the main file, off the event loop."""

    async def ping(self) -> None:
        """Raise if the store cannot answer a trivial query."""

    # Conversation references, refreshed by every inbound activity.
    async def save_reference(
        self, conversation_key: str, reference: dict[str, Any], now: datetime
    ) -> None:
        """Store the reference and make the conversation reachable again."""

    async def get_reference(self, conversation_key: str) -> dict[str, Any] | None: ...

    async def get_references(
        self, conversation_keys: Sequence[str]
    ) -> dict[str, dict[str, Any]]: ...

    async def mark_unreachable(self, conversation_key: str, now: datetime) -> None:
        """Send nothing there until the user writes again (a stale reference, a block)."""

    async def is_reachable(self, conversation_key: str) -> bool: ...

    # Watches, their rule state, and how the feed answers for their products.
    async def add_watch(self, watch: NewWatch) -> Watch: ...

    async def add_watches(self, watches: Sequence[NewWatch]) -> int:
        """Bulk import in one transaction; returns how many were added."""

    async def list_watches(self, conversation_key: str) -> list[Watch]: ...

    async def count_user_watches(self, user_id: str) -> int:
        """Watches one user made, in any of their conversations."""

    async def remove_watch(self, conversation_key: str, watch_id: int) -> bool:
        """Remove a watch of this conversation, and its undelivered alerts."""

    async def watched_product_ids(self) -> list[str]: ...

    async def watches_for_products(
        self, product_ids: Sequence[str], moves: Sequence[PriceMove] = ()
    ) -> list[Watch]:
        """The products' watches, except those following one of the moves."""

    async def product_health(self, product_ids: Sequence[str]) -> dict[str, ProductHealth]: ...

    async def products_to_recheck(self, after_watch_id: int) -> Recheck:
        """Products with watches made after that id, or with a huge drop to confirm."""

    async def poll_memory(self) -> PollMemory:
        """What the polls recorded so far remember (see `record_poll`)."""

    async def remember_evaluated_up_to_watch(self, watch_id: int) -> None: ...

    async def record_poll(self, changes: PollChanges) -> int:
        """Write one poll's changes in one transaction; return how many alerts are new.
        The moves apply to the watches following them at that moment."""

    # The alert outbox. A claim is a short lease: a dead process's claims run out.
    async def claim_due_alerts(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[Alert]:
        """Pending alerts, and held ones whose hold ran out, of reachable conversations."""

    async def claim_conversation_alerts(
        self, conversation_key: str, now: datetime, lease_until: datetime
    ) -> list[Alert]:
        """Every pending or held alert of one conversation, due or not."""

    async def extend_claims(self, alert_ids: Sequence[int], lease_until: datetime) -> None: ...

    async def release_claims(self, alert_ids: Sequence[int]) -> None: ...

    async def mark_sent(self, alert_ids: Sequence[int], now: datetime) -> None: ...

    async def mark_held(
        self, alert_ids: Sequence[int], now: datetime, hold_seconds: float
    ) -> None: ...

    async def mark_attempt_failed(
        self,
        alert_ids: Sequence[int],
        now: datetime,
        error: str,
        retry_at: datetime | None,
    ) -> None:
        """Record a failed send: retry at retry_at, or give up when it is None."""

    async def alert_counts(self) -> dict[str, int]: ...

    async def get_alerts(self, alert_ids: Sequence[int]) -> list[Alert]: ...

    async def alert_attempts(self, alert_id: int) -> list[Attempt]:
        """Every delivery attempt of one alert, oldest first."""

    # botbuilder state documents (conversation and user state).
    async def read_state(self, keys: Sequence[str]) -> dict[str, StateRecord]: ...

    async def write_state(self, key: str, value: bytes, expected_etag: int | None) -> int:
        """Write a document; None overwrites, else raise EtagConflict if it changed."""

    async def delete_state(self, keys: Sequence[str]) -> None: ...
