"""`python -m bot staff group`: map a department to its Telegram group chat, and clear it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli.test_kb_commands import run


def test_staff_group_sets_and_clears_the_chat_id(tmp_path: Path) -> None:
    database = tmp_path / "anju.db"
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    assert run("routing", "load", env=env).returncode == 0

    result = run("staff", "group", "--department", "comp_office", "--chat-id", "-1001234567890", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(database) as conn:
        chat_id = conn.execute("SELECT telegram_group_chat_id FROM departments WHERE code = 'comp_office'").fetchone()
    assert chat_id == (-1001234567890,)

    assert run("staff", "group", "--department", "nowhere", "--chat-id", "-1", env=env).returncode == 1
    assert run("staff", "group", "--department", "comp_office", env=env).returncode == 1  # neither id nor --clear
    assert run("staff", "group", "--department", "comp_office", "--clear", env=env).returncode == 0
    with sqlite3.connect(database) as conn:
        chat_id = conn.execute("SELECT telegram_group_chat_id FROM departments WHERE code = 'comp_office'").fetchone()
    assert chat_id == (None,)
