"""Find the bot's extensions: every module of this package with an `async def setup(bot)`.

A feature plugs into the bot by being such a module (as the `/faq` admin commands do); nothing else lists them.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator

import bot.discord


def walk_extensions() -> Iterator[str]:
    for module_info in pkgutil.iter_modules(bot.discord.__path__, f"{bot.discord.__name__}."):
        module = importlib.import_module(module_info.name)
        if inspect.iscoroutinefunction(getattr(module, "setup", None)):
            yield module_info.name
