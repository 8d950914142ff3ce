"""Every aggregate of the store, each written once, over one backend's `Db`."""

from __future__ import annotations

from state.sql.bot_state import BotState
from state.sql.db import Db
from state.sql.history import Charts, History
from state.sql.outbox import Outbox
from state.sql.personal_data import PersonalRows
from state.sql.references import References
from state.sql.shop_pages import ShopPages
from state.sql.watch_events import WatchEvents
from state.sql.watches import Watches


class Aggregates:
    """What a backend's Store shares with the other: it adds its database, its turn
    locks and its job leases."""

    def __init__(self, db: Db) -> None:
        self.references = References(db)
        self.watches = Watches(db)
        self.outbox = Outbox(db)
        self.bot_state = BotState(db)
        self.history = History(db)
        self.charts = Charts(db)
        self.events = WatchEvents(db)
        self.pages = ShopPages(db)
        self.personal = PersonalRows(db)
