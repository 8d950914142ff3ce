"""The app's own mock price feed, served under /feed."""

from mockfeed.catalog import default_catalog
from mockfeed.market import Market
from mockfeed.routes import add_feed_routes

__all__ = ["Market", "add_feed_routes", "default_catalog"]
