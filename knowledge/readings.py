"""Pinyin with tone number of every CJK character, for sound-alike typo correction (过度费 and 过渡费 sound the same,
tones included; 补钱 and 不签 do not). Cached as JSON after the first start: pypinyin's tables take a quarter of a
second to import, the JSON a few milliseconds."""

from __future__ import annotations

import json
import os
from pathlib import Path

CACHE_FILE = "readings-tone3.json"


class Readings:
    def __init__(self, table: dict[str, str]) -> None:
        self._table = table

    def of(self, char: str) -> str:
        """The most common reading of `char` with its tone number, or the character itself (not a CJK character)."""
        return self._table.get(char, char)

    def word(self, text: str) -> tuple[str, ...]:
        table = self._table
        return tuple([table.get(c, c) for c in text])

    def characters_read_as(self, readings: set[str]) -> frozenset[str]:
        """Every character whose reading is one of `readings`."""
        return frozenset(c for c, reading in self._table.items() if reading in readings)


def load_readings(cache_dir: Path) -> Readings:
    path = cache_dir / CACHE_FILE
    try:
        return Readings(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        table = _build()
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
        partial.replace(path)
        return Readings(table)


def _build() -> dict[str, str]:
    from pypinyin import Style
    from pypinyin.pinyin_dict import pinyin_dict
    from pypinyin.style import convert

    table = {}
    for code, readings in pinyin_dict.items():
        first = readings.split(",")[0]
        table[chr(code)] = convert(first, Style.TONE3, strict=True)
    return table
