"""`python -m bot households template FILE` and `households import FILE [--apply]` as staff run them."""

from __future__ import annotations

import getpass
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.households.ledger_files import KEY, csv_bytes, rows

ROOT = Path(__file__).resolve().parents[2]


def run(db: Path, *args: str, key: str = KEY) -> subprocess.CompletedProcess:
    env = {**os.environ, "ANJU_LOG_LEVEL": "WARNING", "DATABASE_URL": f"sqlite:///{db}", "ANJU_HOUSEHOLD_ID_KEY": key}
    return subprocess.run(
        [sys.executable, "-m", "bot", "households", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_template_preview_apply_and_reimport(tmp_path: Path) -> None:
    db, template = tmp_path / "anju.db", tmp_path / "台账.xlsx"
    made = run(db, "template", str(template))
    assert made.returncode == 0 and template.is_file(), made.stdout + made.stderr
    assert run(db, "template", str(template)).returncode == 1  # never overwritten without --force

    preview = run(db, "import", str(template))
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert "检查通过：3 户，将新增 3，更新 0，未变 0。" in preview.stdout and "没有写入" in preview.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM households").fetchone() == (0,)

    applied = run(db, "import", str(template), "--apply", "--by", "staff:王强")
    assert "已导入 3 户（批次 1）：新增 3，更新 0（0 项修改已记入历史），未变 0。" in applied.stdout, applied.stdout

    edited = tmp_path / "edited.csv"
    edited.write_bytes(csv_bytes(rows(**{"NH-0003": {"合法建筑面积（㎡）": "64.80"}}), "gbk"))
    preview = run(db, "import", str(edited))
    assert "将新增 0，更新 1，未变 2" in preview.stdout and "legal_area 64.00 → 64.80" in preview.stdout
    assert (
        "已导入 3 户（批次 2）：新增 0，更新 1（1 项修改已记入历史），未变 2。"
        in run(db, "import", str(edited), "--apply").stdout
    )
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT old_value, new_value, changed_by FROM household_changes").fetchall() == [
            ("64.00", "64.80", f"cli:{getpass.getuser()}")
        ]


def test_a_rejected_file_exits_1_with_the_report(tmp_path: Path) -> None:
    db, bad = tmp_path / "anju.db", tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(rows(**{"XJ-0002": {"户号": "DG-0001"}})))
    out = run(db, "import", str(bad), "--apply")
    assert out.returncode == 1
    assert out.stdout.splitlines() == [
        "未导入：发现 1 处问题，请改正后重新导入（整份文件都没有导入）。",
        "  第 3 行「户号」：户号 DG-0001 与第 2 行重复",
    ]
    assert "未设置 ANJU_HOUSEHOLD_ID_KEY" in run(db, "import", str(bad), key="").stdout
    missing = run(db, "import", str(tmp_path / "nothing.csv"))
    assert missing.returncode == 1 and "无法读取" in missing.stdout and "Traceback" not in missing.stderr


def test_codes_write_the_sheet_and_voids_the_old_codes(tmp_path: Path) -> None:
    db, ledger, sheet = tmp_path / "anju.db", tmp_path / "l.csv", tmp_path / "东关.html"
    ledger.write_bytes(csv_bytes(rows()))
    assert run(db, "import", str(ledger), "--apply").returncode == 0
    base = ("--base-url", "https://anju.example.gov.cn")
    made = run(db, "codes", "--district", "dongguan", "--out", str(sheet), *base)
    assert made.returncode == 0, made.stdout + made.stderr
    assert "已为东关片区 1 户生成绑定码" in made.stdout and "旧码已作废" in made.stdout
    html = sheet.read_text(encoding="utf-8")
    assert "<style>" in html and "@page" in html  # opened from disk: the print styles are in the file
    [code] = set(re.findall(r"https://anju\.example\.gov\.cn/chat\?bind=(\d{12})", html))
    assert "DG-0001" in html and '<svg viewBox="0 0' in html and "示例甲" not in html
    assert sheet.stat().st_mode & 0o077 == 0  # the only copy of the codes: the owner's alone

    assert run(db, "codes", "--district", "dongguan", "--out", str(sheet), *base).returncode == 1  # not overwritten
    again = run(db, "codes", "--district", "dongguan", "--out", str(sheet), "--household", "DG-0001", "--force", *base)
    assert again.returncode == 0
    [new] = set(re.findall(r"/chat\?bind=(\d{12})", sheet.read_text(encoding="utf-8")))
    assert new != code
    with sqlite3.connect(db) as conn:
        stored = conn.execute(
            "SELECT code_hash, used_at, voided_at IS NOT NULL FROM household_codes ORDER BY id"
        ).fetchall()
    assert [(used, voided) for _, used, voided in stored] == [(None, 1), (None, 0)]
    assert all(code not in digest and new not in digest for digest, _, _ in stored)

    wrong = run(db, "codes", "--district", "nowhere", "--out", str(tmp_path / "x.html"), *base)
    assert wrong.returncode == 1 and "没有片区 nowhere" in wrong.stdout and "dongguan（东关片区）" in wrong.stdout
    no_url = run(db, "codes", "--district", "dongguan", "--out", str(tmp_path / "y.html"))
    assert no_url.returncode == 1 and "ANJU_PUBLIC_BASE_URL" in no_url.stdout
    no_key = run(db, "codes", "--district", "dongguan", "--out", str(tmp_path / "z.html"), *base, key="")
    assert no_key.returncode == 1 and "ANJU_HOUSEHOLD_ID_KEY" in no_key.stdout
    assert not (tmp_path / "x.html").exists() and not (tmp_path / "z.html").exists()
