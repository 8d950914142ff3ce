"""The store on PostgreSQL: one database shared by every instance of the bot."""

from state.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
