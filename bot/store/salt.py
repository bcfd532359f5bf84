"""The secret mixed into user-id hashes: from USER_HASH_SALT, or made once and kept in DATA_DIR.

It must stay the same across restarts and across every process writing to one database, or one person's votes
would count as many people's (a vote is unique by user hash and card): the database keeps a check of the salt it was
first written with, and a process with another salt is refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from bot.store.database import Database, make_folder

SALT_FILE = "user-hash-salt"
CHECK_KEY = "user_hash_salt_check"


class SaltMismatchError(RuntimeError):
    """This process's salt is not the one the database's user hashes were made with."""


def load_salt(data_dir: Path, configured: str | None = None) -> bytes:
    if configured:
        return configured.encode()
    path = data_dir / SALT_FILE
    if not path.exists():
        _create(path)
    salt = path.read_bytes().strip()
    if not salt:
        raise RuntimeError(f"{path} is empty: delete it to make a new salt, or set USER_HASH_SALT")
    return salt


def _create(path: Path) -> None:
    """Write the new salt under a temporary name, then link it in place: a process starting at the same time
    reads either no file or a whole one, and the first link wins."""
    make_folder(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_hex(32) + "\n")
        file.flush()
        os.fsync(file.fileno())
    try:
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink()


def hash_user(salt: bytes, platform: str, user_id: str | int) -> str:
    return hmac.new(salt, f"{platform}:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


def salt_check(salt: bytes) -> str:
    """A value that tells salts apart without giving the salt away."""
    return hmac.new(salt, b"faqbot: the salt of this database's user hashes", hashlib.sha256).hexdigest()[:32]


async def check_salt(db: Database, salt: bytes) -> None:
    """Record the salt's check in a database that has none; SaltMismatchError when it holds another one."""
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO store_keys (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING", (CHECK_KEY, salt_check(salt))
        )
        [(kept,)] = await tx.fetch("SELECT value FROM store_keys WHERE name = ?", (CHECK_KEY,))
    if kept != salt_check(salt):
        raise SaltMismatchError(
            "this database's user hashes were made with another salt, so votes would count twice: give every process "
            "the same USER_HASH_SALT (or the same DATA_DIR), as the first one to write here had"
        )
