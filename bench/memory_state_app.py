"""The same app with botbuilder's MemoryStorage for bot state: the chat benchmark's yardstick.

python -m bench.memory_state_app   (configured from the environment like app.py)
"""

from __future__ import annotations

import os

from aiohttp import web
from botbuilder.core import MemoryStorage

from app import create_app
from settings import Settings


def main() -> None:
    settings = Settings.from_env(os.environ)
    web.run_app(
        create_app(settings, bot_state_storage=MemoryStorage()),
        host=settings.host,
        port=settings.port,
        print=None,
    )


if __name__ == "__main__":
    main()
