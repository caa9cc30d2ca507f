"""`python -m bot db backup FILE` while residents keep filing cases, and the restore of docs/operations.md: the
restored database has every case a resident was shown before the backup began, each one whole."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.attachments.store import DirectoryStore
from bot.backup import BackupError, backup, pg_dump_command
from bot.cases.models import Case, CaseEvent
from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.settings import Settings
from tests.cli.test_kb_commands import run
from tests.support import databases
from tests.support.cases import fill_complaint
from tests.support.media_files import photo, wav
from tests.support.transcript import ChatSession

NUMBER = re.compile(r"AJ-\d{4}-\d{6}")
RESIDENTS = 4
BEFORE_BACKUP = 8  # cases acknowledged before the backup begins


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Each resident of the load files case after case: the daily limit per resident (ANJU_CASES_PER_DAY) is off."""
    return replace(settings, cases_per_day=0)


async def restored_cases(url: str) -> dict[str, int]:
    """Case number → its events, in a restored database (opened the way the server opens it)."""
    engine = make_engine(url)
    try:
        await upgrade(engine)  # already at the latest revision: nothing to do, no error
        cases, events = Case.__table__, CaseEvent.__table__
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(cases.c.number, func.count(events.c.id))
                .join(events, events.c.case_id == cases.c.id, isouter=True)
                .group_by(cases.c.number)
            )
            return dict(rows.all())
    finally:
        await engine.dispose()


async def restore(backup_file: Path, tmp_path: Path, db_backend: str) -> tuple[str, str | None]:
    """The restore of docs/operations.md into a new database; (its URL, the server to drop it from)."""
    if db_backend == "sqlite":
        target = tmp_path / "restored" / "anju.db"
        target.parent.mkdir()
        shutil.copyfile(backup_file, target)  # the server is stopped; no -wal/-shm beside the copy
        return f"sqlite+aiosqlite:///{target}", None
    server = databases.postgres_server_url()
    assert server is not None
    url = await databases.create_run_database(server)
    command = ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={url}", str(backup_file)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return url, server


async def test_a_backup_during_a_load_restores_every_acknowledged_case(
    client: TestClient, settings: Settings, tmp_path: Path, db_backend: str
) -> None:
    acknowledged: list[str] = []
    enough = asyncio.Event()
    stop = asyncio.Event()

    async def resident() -> None:
        chat = ChatSession(client)
        while not stop.is_set():
            await fill_complaint(chat)
            await chat.press("确认提交")
            acknowledged.append(NUMBER.search(chat.text).group(0))  # the resident has read the number
            if len(acknowledged) >= BEFORE_BACKUP:
                enough.set()

    async def asker() -> None:
        chat = ChatSession(client)
        while not stop.is_set():
            await chat.say("房子被征收了补偿怎么算")

    load = [asyncio.create_task(resident()) for _ in range(RESIDENTS)] + [asyncio.create_task(asker())]
    waiting = asyncio.create_task(enough.wait())
    await asyncio.wait([waiting, *load], return_when=asyncio.FIRST_COMPLETED)  # a failing resident fails the test
    assert enough.is_set(), [t.exception() for t in load if t.done()]
    before = set(acknowledged)
    started = time.perf_counter()
    result = await asyncio.to_thread(backup, settings.database_url, tmp_path / "anju.backup")
    took = time.perf_counter() - started
    during = len(acknowledged) - len(before)
    while len(acknowledged) < len(before) + RESIDENTS and not any(t.done() for t in load):
        await asyncio.sleep(0)  # the load carries on after the backup too
    stop.set()
    await asyncio.gather(*load)
    assert result.path.is_file() and not list(tmp_path.glob("*.partial"))

    url, server = await restore(result.path, tmp_path, db_backend)
    try:
        restored = await restored_cases(url)
    finally:
        if server is not None:
            await databases.drop_run_database(server, url)
    assert before <= set(restored), sorted(before - set(restored))
    assert all(restored[n] >= 2 for n in restored)  # each case whole: created and dispatched with it
    assert set(restored) <= set(acknowledged) | set(restored)  # nothing invented
    print(
        f"backup {db_backend}: {result.bytes:,} bytes in {took * 1000:.0f} ms; {len(before)} cases before, "
        f"{during} acknowledged while it ran, {len(acknowledged)} in all"
    )


def test_the_cli_writes_a_backup_and_refuses_to_overwrite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'anju.db'}"
    env = {"DATABASE_URL": url, "ANJU_ATTACHMENTS_DIR": str(tmp_path / "attachments")}
    assert run("db", "upgrade", env=env).returncode == 0
    target = tmp_path / "copies" / "anju-2026-12-01.db"
    made = run("db", "backup", str(target), env=env)
    assert made.returncode == 0 and "backup written" in made.stdout and "0 cases" in made.stdout, made.stderr
    assert f"attachments: none yet in {tmp_path / 'attachments'}" in made.stdout  # told where they would be
    again = run("db", "backup", str(target), env=env)
    assert again.returncode == 1 and "exists already" in again.stderr and "Traceback" not in again.stderr
    assert run("db", "backup", str(target), "--force", env=env).returncode == 0


async def test_the_attachments_are_archived_beside_the_database_and_restore_with_tar(tmp_path: Path) -> None:
    """Photos and recordings live in the attachment store, not in the database: the backup command archives the
    store beside the copy, says where, and `tar -xf` as printed gives every file back, byte for byte."""
    url = f"sqlite:///{tmp_path / 'anju.db'}"
    store_dir = tmp_path / "attachments"
    env = {"DATABASE_URL": url, "ANJU_ATTACHMENTS_DIR": str(store_dir)}
    assert run("db", "upgrade", env=env).returncode == 0
    store = DirectoryStore(store_dir)
    files = {f"att{n:05d}abcdefgh.jpg": photo(colour=f"#{n:02x}6d3b") for n in range(3)}
    files["att00009abcdefgh.voice.wav"] = wav(0.5)
    for key, data in files.items():
        await store.put(key, data)
    (store_dir / "at" / "att00010abcdefgh.jpg.part").write_bytes(b"half a photo")  # a write under way
    target = tmp_path / "copies" / "anju.db"

    made = run("db", "backup", str(target), env=env)
    assert made.returncode == 0, made.stderr
    archive = target.with_name("anju.db.attachments.tar")
    assert f"attachments written: {archive} (4 files" in made.stdout and f"-C {store_dir}" in made.stdout

    restored_dir = tmp_path / "restored"
    restored_dir.mkdir()
    subprocess.run(["tar", "-xf", str(archive), "-C", str(restored_dir)], check=True)
    restored = DirectoryStore(restored_dir)
    for key, data in files.items():
        assert await restored.get(key) == data
    assert not list(restored_dir.rglob("*.part"))

    again = run("db", "backup", str(target), env=env)  # neither the copy nor the archive is overwritten
    assert again.returncode == 1 and "exists already" in again.stderr
    assert run("db", "backup", str(target), "--force", env=env).returncode == 0


def test_a_missing_database_is_a_clear_failure(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="no database at"):
        backup(f"sqlite:///{tmp_path / 'none.db'}", tmp_path / "copy.db")


def test_the_pg_dump_command_keeps_the_password_off_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    command, env = pg_dump_command("postgresql://anju:p%40ss-w0rd@db.example:5433/anju", tmp_path / "x.dump")
    assert command[:3] == ["pg_dump", "--format=custom", "--no-owner"]
    assert command[-1] == "--dbname=postgresql://anju@db.example:5433/anju"
    assert env == {"PGPASSWORD": "p@ss-w0rd"} and "p@ss" not in " ".join(command)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(BackupError) as failure:
        backup("postgresql://anju:p%40ss-w0rd@db.example:5433/anju", tmp_path / "x.dump")
    message = str(failure.value)
    assert "pg_dump not found" in message and f"--file={tmp_path / 'x.dump'}" in message
    assert "PGPASSWORD" in message and "p@ss" not in message
