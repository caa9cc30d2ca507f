"""`python -m bot staff add`, `python -m bot demo` and `python -m bot routing load` as an administrator runs them,
and the password helper the dashboard's login reuses."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cases.passwords import WeakPassword, hash_password, needs_rehash, verify_password

ROOT = Path(__file__).resolve().parents[2]


def run(db: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ANJU_LOG_LEVEL": "WARNING", "DATABASE_URL": f"sqlite:///{db}"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env
    )


def stored_hash(db: Path, username: str) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT password_hash FROM staff_users WHERE username = ?", (username,)).fetchone()[0]


def test_staff_add(tmp_path: Path) -> None:
    db = tmp_path / "anju.db"
    ok = run(
        db,
        "staff",
        "add",
        "--username",
        "Wang.Qiang",
        "--role",
        "department_staff",
        "--department",
        "wg_dongguan",
        "--display-name",
        "王强",
        "--password",
        "long enough pw",
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "已创建工作人员账号 wang.qiang" in ok.stdout
    assert verify_password(stored_hash(db, "wang.qiang"), "long enough pw")
    assert not verify_password(stored_hash(db, "wang.qiang"), "wrong password")
    refused = [
        ("--username", "wang.qiang", "--role", "supervisor", "--password", "long enough pw"),  # taken
        ("--username", "li", "--role", "supervisor", "--password", "long enough pw"),  # too short a name
        ("--username", "li.wei", "--role", "department_staff", "--password", "long enough pw"),  # no department
        ("--username", "li.wei", "--role", "dispatcher", "--department", "nowhere", "--password", "long enough pw"),
        ("--username", "li.wei", "--role", "supervisor", "--password", "short"),
    ]
    for args in refused:
        result = run(db, "staff", "add", *args)
        assert result.returncode == 1 and "未创建" in result.stdout, (args, result.stdout, result.stderr)
    assert run(db, "staff", "add", "--username", "x.y", "--role", "boss", "--password", "p" * 10).returncode == 2


def test_demo_seeds_accounts_rules_and_cases_once(tmp_path: Path) -> None:
    db = tmp_path / "anju.db"
    first = run(db, "demo")
    assert first.returncode == 0, first.stdout + first.stderr
    passwords = dict(re.findall(r"^\s+(\w+)\s+\w+\s+密码：(\S+)$", first.stdout, re.MULTILINE))
    assert set(passwords) == {
        "admin",
        "dudao",
        "paidan",
        "dongguan1",
        "dongguan2",
        "buchang",
        "jijian",
        "ducha",
        "anquan",
    }
    assert verify_password(stored_hash(db, "paidan"), passwords["paidan"])
    numbers = re.findall(r"AJ-\d{4}-\d{6}", first.stdout)
    assert len(numbers) == 8
    second = run(db, "demo")
    assert "已存在" in second.stdout and "没有重复添加" in second.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 8
        statuses = {row[0] for row in conn.execute("SELECT status FROM cases")}
        assert {"new", "dispatched", "accepted", "closed"} <= statuses
        assert conn.execute("SELECT count(*) FROM routing_rules").fetchone()[0] > 5


def test_routing_load(tmp_path: Path) -> None:
    db = tmp_path / "anju.db"
    result = run(db, "routing", "load")
    assert result.returncode == 0 and "写入 13 条规则" in result.stdout, result.stdout + result.stderr
    assert "写入 0 条规则" in run(db, "routing", "load").stdout
    assert "写入 13 条规则" in run(db, "routing", "load", "--replace").stdout


def test_password_helper() -> None:
    digest = hash_password("correct horse battery")
    assert digest.startswith("$argon2id$") and verify_password(digest, "correct horse battery")
    assert not verify_password(digest, "Correct horse battery")
    assert not verify_password("not a hash", "x") and not verify_password(digest, "x" * 10_000)
    assert not needs_rehash(digest) and needs_rehash("not a hash")
    for weak in ("", "short", "x" * 300):
        with pytest.raises(WeakPassword):
            hash_password(weak)
