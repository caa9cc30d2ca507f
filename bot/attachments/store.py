"""Where attachment bytes live: a small port, so that an S3-compatible bucket can stand in for the directory."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Protocol

KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}(\.[a-z]{1,8}){1,2}$")  # an attachment id and a suffix: no paths


class StoreError(OSError):
    """The store could not keep or give back a file."""


class AttachmentStore(Protocol):
    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes | None:
        """The bytes, or None when there is no such file."""
        ...


class DirectoryStore:
    """Files in one directory (default var/attachments), written atomically (temporary file, then rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not KEY.match(key):
            raise StoreError(f"not an attachment key: {key[:80]!r}")
        return self.root / key[:2] / key

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    async def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".part")
        temporary.write_bytes(data)
        os.replace(temporary, path)
