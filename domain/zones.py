"""Time zone names: the IANA database's, checked, never trusted as given."""

from __future__ import annotations

from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo, available_timezones

MAX_ZONE_NAME: Final = 64
NOT_PLACES: Final = frozenset({"localtime", "factory", "posixrules"})
"""Names in the zone database that are no place's time: the server's own setting
(`localtime`, `posixrules`) and `Factory`, a placeholder whose time is "-00"."""
COPIES: Final = ("posix/", "right/")
"""Trees that repeat the database (`right/` counting leap seconds): never a user's zone."""


def is_not_a_place(name: str) -> bool:
    """A zone name the database has that names no place (`NOT_PLACES`, `COPIES`)."""
    folded = name.strip().casefold()
    return folded in NOT_PLACES or folded.startswith(COPIES)


@lru_cache(maxsize=1)
def _names_by_fold() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones() if not is_not_a_place(name)}


def canonical_zone(name: object) -> str | None:
    """The IANA spelling of a zone name (any case), or None if there is no such zone."""
    if not isinstance(name, str) or not 0 < len(name) <= MAX_ZONE_NAME:
        return None
    found = _names_by_fold().get(name.strip().casefold())
    return found if found is not None and load_zone(found) is not None else None


def load_zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except Exception:  # ValueError, ZoneInfoNotFoundError, OSError on odd names
        return None
