"""When to try a failed send again: Retry-After, or exponential backoff with jitter."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.alerts import FailureKind, SendFailure


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 2.0
    max_delay_seconds: float = 300.0
    max_attempts: int = 8
    max_rate_limited_attempts: int = 30
    """429s wait as told; this only stops a channel that never lets up."""
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def next_attempt(
        self, failed_attempts: int, now: datetime, failure: SendFailure
    ) -> datetime | None:
        """After the n-th failed attempt: when to try again, or None to give up."""
        if failure.kind in (FailureKind.PERMANENT, FailureKind.GONE):
            return None
        if failure.kind is FailureKind.RATE_LIMITED:
            if failed_attempts >= self.max_rate_limited_attempts:
                return None
            return now + timedelta(seconds=failure.retry_after_seconds or 0.0)
        if failed_attempts >= self.max_attempts:
            return None
        ceiling = min(self.max_delay_seconds, self.base_seconds * 2 ** (failed_attempts - 1))
        return now + timedelta(seconds=ceiling * self.rng.uniform(0.5, 1.0))
