"""`python -m bot staff robot`: set, list (masked) and remove a department's WeCom / DingTalk robot."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli.test_kb_commands import run

KEY = "693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa"
TOKEN = "c0ffee00aa11bb22cc33dd44ee55ff66c0ffee00aa11bb22cc33dd44ee55ff66"
SECRET = "SEC4f1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"


def test_staff_robot_sets_lists_masked_and_clears(tmp_path: Path) -> None:
    database = tmp_path / "anju.db"
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    assert run("routing", "load", env=env).returncode == 0

    result = run(
        "staff",
        "robot",
        "--department",
        "comp_office",
        "--wecom",
        f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}",
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "已保存（尾号 …5aaa）" in result.stdout and KEY not in result.stdout
    result = run(
        "staff",
        "robot",
        "--department",
        "wg_dongguan",
        "--dingtalk",
        f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}",
        env={**env, "ANJU_DINGTALK_SECRET": SECRET},
    )
    assert result.returncode == 0 and "已加签" in result.stdout and SECRET not in result.stdout
    listing = run("staff", "robot", "--list", env=env)
    assert "comp_office\t企业微信群机器人\t尾号 …5aaa" in listing.stdout and "wg_dongguan" in listing.stdout
    assert KEY not in listing.stdout and TOKEN not in listing.stdout
    with sqlite3.connect(database) as conn:
        stored = conn.execute("SELECT platform, token, secret FROM department_robots ORDER BY platform").fetchall()
    assert stored == [("dingtalk", TOKEN, SECRET), ("wecom", KEY, None)]

    bad = run("staff", "robot", "--department", "comp_office", "--wecom", "https://example.com/", env=env)
    assert bad.returncode == 1 and "Webhook 地址" in bad.stdout
    bad = run("staff", "robot", "--department", "wg_dongguan", "--dingtalk", TOKEN, "--secret", "wrong", env=env)
    assert bad.returncode == 1 and "SEC" in bad.stdout and "Traceback" not in bad.stderr
    assert run("staff", "robot", "--department", "nowhere", "--wecom", KEY, env=env).returncode == 1
    assert run("staff", "robot", "--department", "comp_office", "--clear", "wecom", env=env).returncode == 0
    assert run("staff", "robot", "--department", "comp_office", "--clear", "wecom", env=env).returncode == 1
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM department_robots").fetchone() == (1,)
