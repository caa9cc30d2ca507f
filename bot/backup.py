"""`python -m bot db backup FILE`: a consistent copy of the database while the server keeps serving.

- SQLite: SQLite's online backup API in one step — it reads one snapshot (every transaction committed before the
  step began, nothing half-written) while writers carry on in the write-ahead log; the copy is written next to
  FILE, checked (`PRAGMA quick_check`) and then renamed to FILE, so FILE is never a partial copy.
- PostgreSQL: `pg_dump --format=custom`, which also reads one snapshot and does not block writers. Without pg_dump
  on the PATH the exact command to run is printed instead.
- Attachments (residents' photos and recordings, `ANJU_ATTACHMENTS_DIR`, default var/attachments): the files are
  not in the database, so the store's directory goes into FILE.attachments.tar beside it, after the database copy.
  A file is written to the store before its record says it is stored, and never changed afterwards, so every
  file the database copy refers to is in the archive (files stored meanwhile may be there too; they are harmless).
  Unfinished writes (*.part) are left out; the archive, too, is renamed into place only when complete.

Restoring is in docs/operations.md (and tests/test_backup.py does it)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.db.engine import sqlite_file
from bot.settings import normalise_database_url


class BackupError(Exception):
    """The backup was not made (the message says why and what to do)."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    bytes: int
    cases: int | None = None  # SQLite: cases in the copy (a quick look that it is the real thing)


@dataclass(frozen=True)
class AttachmentsResult:
    directory: Path  # the store that was copied
    path: Path | None  # the archive; None when the store holds no file yet
    files: int = 0
    bytes: int = 0


def attachments_archive(target: Path) -> Path:
    """Where the attachments of the backup `target` go."""
    return target.with_name(target.name + ".attachments.tar")


def backup(database_url: str, target: Path, *, overwrite: bool = False) -> BackupResult:
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists already (choose another name, or --force to replace it)")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite_file(database_url)
    if source is not None:
        return backup_sqlite(Path(source), target)
    if normalise_database_url(database_url).startswith("postgresql"):
        return backup_postgres(database_url, target)
    raise BackupError(f"cannot back up this database: {make_url(normalise_database_url(database_url)).drivername}")


def backup_sqlite(source: Path, target: Path) -> BackupResult:
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # pages=-1: the whole database in one step, from one read snapshot
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file (no -wal beside it)
            problems = [row[0] for row in dst.execute("PRAGMA quick_check")]
            if problems != ["ok"]:
                raise BackupError(f"the copy failed its check: {problems[:3]}")
            cases = _count_cases(dst)
        finally:
            dst.close()
    finally:
        src.close()
    with open(partial, "rb") as f:
        os.fsync(f.fileno())
    os.replace(partial, target)
    return BackupResult(target, target.stat().st_size, cases)


def _count_cases(conn: sqlite3.Connection) -> int | None:
    try:
        return int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
    except sqlite3.OperationalError:  # not migrated yet
        return None


def pg_dump_command(database_url: str, target: Path) -> tuple[list[str], dict[str, str]]:
    """The pg_dump command line (no password in it) and the environment it needs (PGPASSWORD, if any)."""
    url = make_url(normalise_database_url(database_url))
    env = {"PGPASSWORD": url.password} if url.password else {}
    libpq = url._replace(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", f"--dbname={libpq}"], env


def backup_postgres(database_url: str, target: Path) -> BackupResult:
    command, env = pg_dump_command(database_url, target.with_name(target.name + ".partial"))
    if shutil.which("pg_dump") is None:
        shown = " ".join(command).replace(".partial", "")
        needs = " (with PGPASSWORD set to the database password)" if env else ""
        raise BackupError(
            "pg_dump not found: install the PostgreSQL client (apt-get install postgresql-client; "
            f"its major version at least the server's) or run on a machine that has it{needs}:\n"
            f"  {shown}"
        )
    partial = Path(command[3].removeprefix("--file="))
    done = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    os.replace(partial, target)
    return BackupResult(target, target.stat().st_size)


def backup_attachments(directory: Path, target: Path, *, overwrite: bool = False) -> AttachmentsResult:
    """The attachment store's files into `attachments_archive(target)` (paths relative to the store, so that
    `tar -xf ARCHIVE -C DIRECTORY` puts them back)."""
    archive = attachments_archive(target)
    if archive.exists() and not overwrite:
        raise BackupError(f"{archive} exists already (choose another name, or --force to replace it)")
    files = sorted(p for p in directory.rglob("*") if p.is_file() and not p.name.endswith(".part"))
    if not files:
        archive.unlink(missing_ok=True)  # --force: no stale archive left beside the new copy
        return AttachmentsResult(directory, None)
    partial = archive.with_name(archive.name + ".partial")
    partial.unlink(missing_ok=True)
    copied = size = 0
    try:
        with tarfile.open(partial, "w") as tar:  # photos are compressed already: a plain tar
            for path in files:
                try:
                    tar.add(path, arcname=path.relative_to(directory).as_posix(), recursive=False)
                except FileNotFoundError:  # removed meanwhile (retention): no longer referred to
                    continue
                copied += 1
                size += path.stat().st_size
        with open(partial, "rb") as f:
            os.fsync(f.fileno())
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"the attachments in {directory} could not be archived: {exc}") from exc
    os.replace(partial, archive)
    return AttachmentsResult(directory, archive, copied, size)
