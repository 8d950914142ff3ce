"""Head of line: a paced fan-out on one channel must not hold up an alert for another.

N conversations on one channel watch the headphones; one conversation on another
channel watches the espresso machine. The headphones drop, and their alerts go out at
the channel's rate limit. Once that fan-out is under way the espresso machine drops
too; the figure is the time from that second price change to its alert at the channel.
The app's RSS is read before the drop and while the paced alerts wait: the memory a
queued alert costs.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

from bench.fanout import (
    bot_and_channel,
    channel_stats,
    conversation_id,
    open_conversations,
    poll_now,
    pricewatch_env,
    set_price,
    wait_for_matches,
)

OTHER_CHANNEL = "webchat"
MB = 1024 * 1024


@dataclass(frozen=True)
class HeadOfLineResult:
    conversations: int
    """On the paced channel; one more is on the other channel."""
    per_second: int
    delay_seconds: float
    """The other product's price change to its alert at the channel."""
    fan_out_seconds: float
    """The headphones' price change to the paced channel's last alert."""
    other_changed_after_seconds: float
    """The headphones' price change to the other product's."""
    alerts: int
    delivered: int
    """Conversations that got their alert."""
    idle_rss_mb: float = 0.0
    """The app's RSS before the drop, its conversations made."""
    queued_rss_mb: float = 0.0
    """Its RSS once the fan-out was under way, `queued` alerts still to send."""
    queued: int = 0

    @property
    def mb_per_1000_queued(self) -> float:
        return (self.queued_rss_mb - self.idle_rss_mb) / max(self.queued, 1) * 1000

    @property
    def all_delivered(self) -> bool:
        return self.alerts == self.delivered == self.conversations + 1


async def run(conversations: int, per_second: int, work_dir: Path) -> HeadOfLineResult:
    env = pricewatch_env(work_dir / f"head-of-line-{conversations}.sqlite3", per_second)
    async with bot_and_channel(["app.py"], env, "Price drop", work_dir) as running:
        http, bot_url, channel_url = running.http, running.bot_url, running.channel_url
        paced = range(conversations)
        other = range(conversations, conversations + 1)
        await open_conversations(http, bot_url, channel_url, paced, "watch headphones 20%")
        await open_conversations(
            http, bot_url, channel_url, other, "watch espresso machine 20%", OTHER_CHANNEL
        )
        await poll_now(http, bot_url)
        idle_rss = running.bot.rss_bytes()
        fan_out_started = time.time()
        await set_price(http, bot_url, "p-100", 99.99)
        under_way = await wait_for_matches(http, channel_url, max(1, conversations // 10))
        queued_rss = running.bot.rss_bytes()
        queued = conversations - under_way["matched"]
        other_started = time.time()
        await set_price(http, bot_url, "p-200", 299.00)
        await wait_for_matches(http, channel_url, conversations + 1)
        stats = await channel_stats(http, channel_url, arrivals=True)
    arrivals: dict[str, float] = stats["arrivals"]
    other_arrived = arrivals.get(conversation_id(other[0]), math.inf)
    paced_arrivals = [arrivals[key] for n in paced if (key := conversation_id(n)) in arrivals]
    return HeadOfLineResult(
        conversations,
        per_second,
        other_arrived - other_started,
        max(paced_arrivals, default=math.inf) - fan_out_started,
        other_started - fan_out_started,
        stats["matched"],
        len(arrivals),
        idle_rss / MB,
        queued_rss / MB,
        queued,
    )
