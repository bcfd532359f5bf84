"""A child process that opens a database, says so, waits for a line on stdin, then migrates it: two of them, told
together, reach `migrate` at once (`python -m tests.store.migrating URL`)."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

from bot.store.database import open_database
from bot.store.migrations import migrate


async def main(url: str) -> None:
    db = await open_database(url, Path("."))
    try:
        print("open", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        print(await migrate(db), flush=True)
    finally:
        await db.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    asyncio.run(main(sys.argv[1]))
