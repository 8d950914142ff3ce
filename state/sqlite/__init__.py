"""The store on one SQLite file: the embedded default."""

from state.sqlite.store import SqliteStore

__all__ = ["SqliteStore"]
