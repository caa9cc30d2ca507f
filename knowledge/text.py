"""Text normalisation shared by indexing and matching: one canonical form for what residents type."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import opencc
from opencc import OpenCC

_T2S = OpenCC("t2s")


def _convertible_characters() -> frozenset[str]:
    """The Traditional characters OpenCC's t2s table changes: text without any of them needs no conversion
    (the conversion costs ~40 µs a question, the check ~1 µs)."""
    table = Path(opencc.__file__).resolve().parent / "dictionary" / "TSCharacters.txt"
    chars = set()
    for line in table.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        if source and targets.split()[:1] != [source]:
            chars.add(source)
    return frozenset(chars)


_TRADITIONAL = _convertible_characters()
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# anything that is not a letter, digit or CJK ideograph separates words
_SEPARATORS = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_input(text: str, limit: int) -> str:
    """What we keep of a raw message: no control characters, trimmed, at most `limit` characters."""
    text = _CONTROL.sub("", text).strip()
    return text[:limit]


def normalise(text: str) -> str:
    """Simplified characters, half-width forms, lower case; punctuation, emoji and spaces become one space."""
    text = unicodedata.normalize("NFKC", text)
    if not _TRADITIONAL.isdisjoint(text):
        text = _T2S.convert(text)
    text = text.lower()
    return _SEPARATORS.sub(" ", text).strip()


def compact(text: str) -> str:
    """The normalised text without spaces: the key under which unanswered questions are counted."""
    return normalise(text).replace(" ", "")


def is_cjk(char: str) -> bool:
    return _CJK.match(char) is not None
