"""Pacing: a burst waits its turn per conversation and per channel, and nothing is dropped."""

from __future__ import annotations

import asyncio
from typing import Callable

import pytest

from outbox.pacing import Pacer, conversation_pacer, tenant_pacer
from tests.support.chat import Chat, World
from watchers.delivery import Pacing


class VirtualTime:
    """A monotonic clock that stands still, and a sleep that records how long it was asked for."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)

    def pacer(self, per_second: float) -> Pacer:
        return Pacer(per_second, monotonic=self.monotonic, sleep=self.sleep)

    def clocked(self, make: Callable[..., Pacer], rate: float | None) -> Pacer:
        """A pacer made as app.py makes it, on this virtual time."""
        return make(rate, monotonic=self.monotonic, sleep=self.sleep)


async def turn_times(time: VirtualTime, pacer: Pacer, keys: list[str]) -> list[float]:
    """When each of a burst that arrives at once gets its turn."""
    starts: list[float] = []

    async def take_turn(key: str) -> None:
        before = len(time.waits)
        await pacer.wait_turn(key)
        starts.append(time.now + sum(time.waits[before : before + 1]))

    await asyncio.gather(*(take_turn(key) for key in keys))
    return sorted(starts)


async def test_a_burst_on_one_key_is_spaced_a_second_apart() -> None:
    time = VirtualTime()
    assert await turn_times(time, time.pacer(1), ["conv-1"] * 3) == [0, 1, 2]


async def test_keys_do_not_wait_on_each_other() -> None:
    time = VirtualTime()
    pacer = time.pacer(1)
    assert await turn_times(time, pacer, ["conv-1", "conv-2", "conv-3"]) == [0, 0, 0]
    assert await turn_times(time, pacer, ["conv-1", "conv-4"]) == [0, 1]


async def test_a_key_that_has_been_idle_goes_at_once() -> None:
    time = VirtualTime()
    pacer = time.pacer(1)
    await turn_times(time, pacer, ["conv-1"] * 2)
    time.now = 5.0
    assert await turn_times(time, pacer, ["conv-1"]) == [5.0]


async def test_zero_means_no_limit() -> None:
    time = VirtualTime()
    assert await turn_times(time, time.pacer(0), ["conv-1"] * 100) == [0] * 100
    assert time.waits == []


async def test_thirty_per_second_spreads_a_burst_of_sixty_over_two_seconds() -> None:
    time = VirtualTime()
    starts = await turn_times(time, time.pacer(30), ["emulator/"] * 60)
    assert starts == pytest.approx([n / 30 for n in range(60)])


# --- each channel's own limits: Teams documents its own ---


async def test_a_teams_conversation_takes_seven_at_once_then_seven_a_second() -> None:
    time = VirtualTime()
    pacer = time.clocked(conversation_pacer, None)
    starts = await turn_times(time, pacer, ["msteams/19:chat@thread.v2"] * 20)
    assert starts == [0] * 7 + [1] * 7 + [2] * 6


async def test_a_teams_conversation_gets_at_most_sixty_in_thirty_seconds() -> None:
    time = VirtualTime()
    pacer = time.clocked(conversation_pacer, None)
    starts = await turn_times(time, pacer, ["msteams/a:1personal"] * 61)
    assert starts[59] == 8, "60 go within 8 s at 7 a second"
    assert starts[60] == 30, "the 61st waits until the first left the 30 s window"


async def test_other_channels_keep_one_a_second_per_conversation() -> None:
    time = VirtualTime()
    pacer = time.clocked(conversation_pacer, None)
    assert await turn_times(time, pacer, ["emulator/conv-1"] * 3) == [0, 1, 2]


async def test_a_teams_tenant_takes_about_fifty_a_second_and_others_thirty() -> None:
    time = VirtualTime()
    pacer = time.clocked(tenant_pacer, None)
    teams = await turn_times(time, pacer, ["msteams/tenant-1"] * 100)
    assert teams[-1] == pytest.approx(99 / 50)
    assert await turn_times(time, pacer, ["msteams/tenant-2"]) == [0], "tenants apart"
    others = await turn_times(time, pacer, ["webchat/"] * 31)
    assert others[-1] == pytest.approx(1.0)


async def test_a_rate_the_operator_chose_holds_on_every_channel() -> None:
    """CONVERSATION_MAX_PER_SECOND and DELIVERY_MAX_PER_SECOND, when set, as before."""
    time = VirtualTime()
    unlimited = time.clocked(conversation_pacer, 0)
    assert await turn_times(time, unlimited, ["msteams/19:chat"] * 20) == [0] * 20
    two = time.clocked(tenant_pacer, 2)
    assert await turn_times(time, two, ["msteams/tenant-1"] * 3) == [0, 0.5, 1.0]


# --- the deliverer waits its turn instead of dropping or retrying ---


async def watching(world: World, conversation: str, *commands: str) -> Chat:
    chat = world.chat(conversation, f"user-of-{conversation}")
    for command in commands:
        assert "I'll tell you when" in (await chat.say(command))[-1]
    return chat


def received(chat: Chat) -> dict[str, list[str]]:
    """What the deliverer's adapter sent, by conversation (one adapter serves every turn)."""
    sent: dict[str, list[str]] = {}
    for activity in chat.adapter.activity_buffer:
        sent.setdefault(activity.conversation.id, []).append(activity.text or "")
    return sent


async def test_a_fan_out_is_paced_per_channel_and_nothing_is_dropped(world: World) -> None:
    chats = [await watching(world, f"convo-{n}", "watch headphones 20%") for n in range(60)]
    first = chats[0]
    first.adapter.activity_buffer.clear()
    per_conversation, per_channel = VirtualTime(), VirtualTime()
    deliverer = world.deliverer(
        first, pacing=Pacing(per_conversation.pacer(1), per_channel.pacer(30))
    )
    world.set_price("p-100", "149.99")
    assert (await world.poller.tick()).alerts == 60

    report = await deliverer.tick()

    assert report.alerts == 60 and report.unsettled == 0
    sent = received(first)
    assert sorted(sent) == sorted(f"convo-{n}" for n in range(60))
    assert all(len(texts) == 1 and "Price drop" in texts[0] for texts in sent.values())
    assert per_conversation.waits == [], "each conversation sent once: no wait"
    assert len(per_channel.waits) == 59
    assert max(per_channel.waits) == pytest.approx(59 / 30), "the burst spans about 2 s"
    assert sorted(per_channel.waits) == pytest.approx([n / 30 for n in range(1, 60)])


async def test_a_conversation_that_gets_news_again_at_once_waits_its_turn(world: World) -> None:
    chat = await watching(
        world,
        "convo-1",
        "watch headphones 20%",
        "watch espresso machine 10%",
        "watch robot vacuum 10%",
    )
    chat.replies()
    per_conversation = VirtualTime()
    deliverer = world.deliverer(chat, pacing=Pacing(per_conversation.pacer(1), Pacer(0)))

    for product_id, price in (("p-100", "149.99"), ("p-200", "399.00"), ("p-500", "199.00")):
        world.set_price(product_id, price)
        await world.poller.tick()
        await deliverer.tick()

    assert per_conversation.waits == [1, 2]
    assert len(chat.replies()) == 3, "each alert went out after its wait, none was dropped"
