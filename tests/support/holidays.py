"""Holiday files for tests. The 2027 schedule here is FICTIONAL — made up to play a county that has added a year the
package does not know; it is not the State Council's 2027 arrangement (unpublished when this was written)."""

from __future__ import annotations

from pathlib import Path

FICTIONAL_2027 = """\
2027:
  notice: 测试用虚构安排（并非国务院办公厅的 2027 年通知）
  document: 测试〔2027〕1号
  published: 2026-11-01
  url: https://example.invalid/holidays-2027
  holidays:
    - {name: 元旦, days: [2027-01-01, 2027-01-03]}
    - {name: 春节, days: [2027-02-05, 2027-02-12], workdays: [2027-02-20]}
"""


def write_holidays(directory: Path, text: str = FICTIONAL_2027) -> Path:
    path = directory / "holidays.yaml"
    path.write_text(text, encoding="utf-8")
    return path
