"""When a failed send is tried again: Retry-After, or exponential backoff with jitter."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from domain.alerts import FailureKind, SendFailure
from outbox.retry import RetryPolicy

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
UNAVAILABLE = SendFailure(FailureKind.TRANSIENT, "HTTP 503", 503)
NO_ANSWER = SendFailure(FailureKind.TRANSIENT, "TimeoutError (no HTTP response)")
STALE = SendFailure(FailureKind.UNREACHABLE, "HTTP 403", 403)
BAD_REQUEST = SendFailure(FailureKind.PERMANENT, "HTTP 400", 400)


def rate_limited(seconds: float) -> SendFailure:
    return SendFailure(FailureKind.RATE_LIMITED, "HTTP 429", 429, seconds)


class FixedJitter(random.Random):
    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.value


def delay(policy: RetryPolicy, failed_attempts: int, failure: SendFailure = UNAVAILABLE) -> float:
    retry_at = policy.next_attempt(failed_attempts, NOW, failure)
    assert retry_at is not None, f"gave up after {failed_attempts} attempt(s)"
    return (retry_at - NOW).total_seconds()


def test_the_backoff_doubles_with_each_failed_attempt() -> None:
    policy = RetryPolicy(rng=FixedJitter(1.0))
    assert [delay(policy, n) for n in range(1, 8)] == [2, 4, 8, 16, 32, 64, 128]


def test_the_backoff_is_capped() -> None:
    policy = RetryPolicy(max_attempts=20, rng=FixedJitter(1.0))
    assert delay(policy, 12) == policy.max_delay_seconds
    assert delay(policy, 19) == policy.max_delay_seconds


@pytest.mark.parametrize("failed_attempts", [1, 2, 5, 7])
def test_jitter_stays_between_half_and_all_of_the_backoff(failed_attempts: int) -> None:
    policy = RetryPolicy(rng=random.Random(3))
    ceiling = min(policy.max_delay_seconds, policy.base_seconds * 2 ** (failed_attempts - 1))
    delays = [delay(policy, failed_attempts) for _ in range(500)]
    assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert len(set(delays)) > 400, "retries from a fan-out do not arrive in lockstep"
    assert min(delays) < ceiling * 0.6 and max(delays) > ceiling * 0.9


def test_no_answer_at_all_backs_off_like_a_5xx() -> None:
    policy = RetryPolicy(rng=FixedJitter(1.0))
    assert delay(policy, 3, NO_ANSWER) == delay(policy, 3, UNAVAILABLE)


def test_it_gives_up_after_max_attempts() -> None:
    policy = RetryPolicy()
    assert policy.next_attempt(policy.max_attempts - 1, NOW, UNAVAILABLE) is not None
    assert policy.next_attempt(policy.max_attempts, NOW, UNAVAILABLE) is None
    assert policy.next_attempt(policy.max_attempts + 5, NOW, NO_ANSWER) is None


@pytest.mark.parametrize("seconds", [0, 1, 7, 120.5, 3600])
def test_a_429_waits_exactly_its_retry_after(seconds: float) -> None:
    policy = RetryPolicy(rng=random.Random(1))
    for failed_attempts in (1, 2, policy.max_attempts + 1):
        assert policy.next_attempt(failed_attempts, NOW, rate_limited(seconds)) == NOW + timedelta(
            seconds=seconds
        )


def test_429s_do_not_spend_the_ordinary_budget_but_have_their_own() -> None:
    policy = RetryPolicy()
    assert policy.next_attempt(policy.max_attempts, NOW, rate_limited(7)) is not None
    assert policy.next_attempt(policy.max_rate_limited_attempts, NOW, rate_limited(7)) is None


def test_a_permanent_failure_gives_up_at_once() -> None:
    assert RetryPolicy().next_attempt(1, NOW, BAD_REQUEST) is None


def test_an_unreachable_conversation_is_tried_again_soon_before_it_is_parked() -> None:
    """Outcomes parks the conversation on the 2nd 401/403/404; the 1st gets a normal backoff."""
    assert 1 <= delay(RetryPolicy(), 1, STALE) <= 2
