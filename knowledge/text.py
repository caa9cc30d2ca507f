"""Text normalisation shared by indexing and matching: one canonical form for what residents type."""

from __future__ import annotations

import re
import unicodedata

from opencc import OpenCC

_T2S = OpenCC("t2s")
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
    if _has_cjk(text):
        text = _T2S.convert(text)
    text = text.lower()
    return _SEPARATORS.sub(" ", text).strip()


def compact(text: str) -> str:
    """The normalised text without spaces: the key under which unanswered questions are counted."""
    return normalise(text).replace(" ", "")


def _has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def is_cjk(char: str) -> bool:
    return _CJK.match(char) is not None
