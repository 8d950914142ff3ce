"""The one interface everything that must survive a restart goes through."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, Sequence

from state.models import Alert, NewAlert, NewWatch, StateRecord, Watch
from watchers.rules import RuleState


class EtagConflict(Exception):
    """A state write lost a race: someone wrote the document since it was read."""


class Store(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise if the store cannot answer a trivial query."""

    # Conversation references, refreshed by every inbound activity.
    async def save_reference(
        self, conversation_key: str, reference: dict[str, Any], now: datetime
    ) -> None: ...

    async def get_reference(self, conversation_key: str) -> dict[str, Any] | None: ...

    # Watches and their rule state.
    async def add_watch(self, watch: NewWatch) -> Watch: ...

    async def list_watches(self, conversation_key: str) -> list[Watch]: ...

    async def remove_watch(self, conversation_key: str, watch_id: int) -> bool: ...

    async def watched_product_ids(self) -> list[str]: ...

    async def watches_for_products(self, product_ids: Sequence[str]) -> list[Watch]: ...

    async def record_poll(
        self, states: Sequence[tuple[int, RuleState]], alerts: Sequence[NewAlert]
    ) -> int:
        """Save rule states and new alerts in one transaction; return alerts created."""

    # The alert outbox.
    async def claim_due_alerts(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[Alert]:
        """Pending alerts, and held ones whose hold ran out, not claimed by anyone else."""

    async def claim_conversation_alerts(
        self, conversation_key: str, now: datetime, lease_until: datetime
    ) -> list[Alert]:
        """Every pending or held alert of one conversation, not claimed by anyone else."""

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

    # botbuilder state documents (conversation and user state).
    async def read_state(self, keys: Sequence[str]) -> dict[str, StateRecord]: ...

    async def write_state(self, key: str, value: str, expected_etag: int | None) -> int:
        """Write a document; None overwrites, else raise EtagConflict if it changed."""

    async def delete_state(self, keys: Sequence[str]) -> None: ...
