"""`python -m bot calendar check` as the county's IT office runs it: exit 1 naming the year without official data,
0 once a holiday file covers the next 120 days, 1 with the reason for a broken file."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_kb_commands import run
from tests.support.holidays import write_holidays


def test_today_2027_is_missing() -> None:
    result = run("calendar", "check", "--today", "2026-12-01")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no official holiday data for 2027" in result.stdout
    assert "2027-01-01 … 2027-03-30" in result.stdout  # the days, as ranges
    assert "国办发明电〔2025〕7号" in result.stdout  # where 2026 comes from


def test_a_holiday_file_covering_the_window_passes(tmp_path: Path) -> None:
    path = write_holidays(tmp_path)
    result = run("calendar", "check", "--today", "2026-12-01", env={"ANJU_HOLIDAYS_FILE": str(path)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: official holiday data for every day from 2026-12-01 to 2027-03-30" in result.stdout


def test_a_window_inside_the_published_years_passes() -> None:
    result = run("calendar", "check", "--today", "2026-03-01")
    assert result.returncode == 0 and "OK" in result.stdout


def test_a_broken_holiday_file_fails_with_its_reason(tmp_path: Path) -> None:
    path = write_holidays(tmp_path, "2027:\n  notice: n\n  holidays: []\n")
    result = run("calendar", "check", env={"ANJU_HOLIDAYS_FILE": str(path)})
    assert result.returncode == 1 and "`document` is required" in result.stdout
    assert "Traceback" not in result.stderr
