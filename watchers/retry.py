"""When to try a failed send again: exponential backoff with jitter, bounded."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 2.0
    max_delay_seconds: float = 300.0
    max_attempts: int = 8
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def next_attempt(self, failed_attempts: int, now: datetime) -> datetime | None:
        """After the n-th failed attempt: when to try again, or None to give up."""
        if failed_attempts >= self.max_attempts:
            return None
        ceiling = min(self.max_delay_seconds, self.base_seconds * 2 ** (failed_attempts - 1))
        return now + timedelta(seconds=ceiling * self.rng.uniform(0.5, 1.0))
