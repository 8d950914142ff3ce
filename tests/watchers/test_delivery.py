"""No head-of-line blocking: a fan-out paced on one channel delays no alert for another.

The real app and a stand-in channel. Pacing runs on real time here, so the fan-outs are
tiny (a few alerts at 2 a second, about 1.5 s in all) and the tests assert the order in
which the channel accepted alerts, never how long anything took.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.channel import Posted, StandInChannel
from tests.support.running import RunningApp, drop, running_app, watch

FAN_OUT = [f"paced-{n}" for n in range(4)]
OTHER = "elsewhere"
"""A conversation on another channel, with its own rate limit."""
PACED = {"CONVERSATION_MAX_PER_SECOND": "0", "DELIVERY_MAX_PER_SECOND": "2"}


async def watch_on_two_channels(app: RunningApp, channel: StandInChannel) -> None:
    """The fan-out watches the headphones; the other channel, the espresso machine."""
    await watch(app, channel, *FAN_OUT)
    what = "watch espresso machine 10%"
    assert await app.say(channel, OTHER, what, channelId="webchat") in (200, 201)
    assert "I'll tell you when" in channel.texts(OTHER)[-1]


def alerts_so_far(channel: StandInChannel) -> list[Posted]:
    """Alerts the channel accepted, in the order it took them."""
    return [post for post in channel.delivered() if "Price drop" in post.text]


async def every_alert(channel: StandInChannel) -> list[Posted]:
    """Every conversation's alert, once each has come."""
    for conversation in [*FAN_OUT, OTHER]:
        await channel.accepted(conversation, "Price drop")
    return alerts_so_far(channel)


def fan_out_alerts_before(alerts: list[Posted], conversation: str) -> int:
    [at] = [n for n, post in enumerate(alerts) if post.conversation_id == conversation]
    return sum(post.conversation_id in FAN_OUT for post in alerts[:at])


async def test_an_alert_for_another_channel_goes_while_a_paced_fan_out_is_under_way(
    tmp_path: Path, channel: StandInChannel
) -> None:
    async with running_app(tmp_path, env=PACED) as app:
        await watch_on_two_channels(app, channel)
        assert await drop(app, "p-100", 149.99) == len(FAN_OUT)
        assert await app.engine.deliverer.dispatch() == len(FAN_OUT)
        assert len(alerts_so_far(channel)) < len(FAN_OUT), "dispatch waits for no turn"

        assert await drop(app, "p-200", 399.00) == 1  # news for the other channel, later
        assert await app.engine.deliverer.dispatch() == 1
        alerts = await every_alert(channel)

    assert fan_out_alerts_before(alerts, OTHER) < len(FAN_OUT), "it did not queue behind them"
    assert sorted(post.conversation_id for post in alerts) == sorted([*FAN_OUT, OTHER])


async def test_turns_waiting_for_their_pace_leave_the_delivery_slot_to_others(
    tmp_path: Path, channel: StandInChannel
) -> None:
    async with running_app(tmp_path, env={**PACED, "DELIVERY_CONCURRENCY": "1"}) as app:
        await watch_on_two_channels(app, channel)
        assert await drop(app, "p-100", 149.99) == len(FAN_OUT)
        assert await drop(app, "p-200", 399.00) == 1  # claimed last, behind the fan-out
        report = await app.engine.deliverer.tick()
        alerts = await every_alert(channel)

    assert report.alerts == len(FAN_OUT) + 1 and report.unsettled == 0
    assert fan_out_alerts_before(alerts, OTHER) == 1, "only the fan-out's first, not paced"
    assert sorted(post.conversation_id for post in alerts) == sorted([*FAN_OUT, OTHER])
