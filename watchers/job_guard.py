"""Scheduled jobs that fail say so once, not every tick, and say when they work again.

While the database is away every job fails at every tick; a traceback each time (two a
second) would bury the one line that matters. The first failure is logged in full, the
rest of the run as one warning line each at most every `quiet_seconds`, the recovery as
one line.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Awaitable, Callable, Final

logger = logging.getLogger(__name__)

QUIET_SECONDS: Final = 30.0


def guarded(
    name: str, job: Callable[[], Awaitable[Any]], quiet_seconds: float = QUIET_SECONDS
) -> Callable[[], Awaitable[None]]:
    failures = 0
    last_said = 0.0

    async def run() -> None:
        nonlocal failures, last_said
        try:
            await job()
        except Exception as error:
            failures += 1
            now = time.monotonic()
            if failures == 1:
                logger.exception("the %s job failed; it runs again at its next tick", name)
                last_said = now
            elif now - last_said >= quiet_seconds:
                logger.warning(
                    "the %s job is still failing (%d times): %s: %s",
                    name,
                    failures,
                    type(error).__name__,
                    error,
                )
                last_said = now
            return
        if failures:
            logger.warning("the %s job works again after %d failed run(s)", name, failures)
            failures = 0

    return run
