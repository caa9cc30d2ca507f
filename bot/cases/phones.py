"""Phone numbers: mainland mobile numbers and landlines with an area code, normalised; masked for display."""

from __future__ import annotations

import re
import unicodedata

_MOBILE = re.compile(r"1[3-9]\d{9}")
# area code 010 or 02x (three digits) or 0 + three digits; local number of 7 or 8 digits
_LANDLINE = re.compile(r"(0(?:10|2\d|[3-9]\d{2}))-?(\d{7,8})")
_IGNORED = re.compile(r"[\s()（）]")
_DASHES = str.maketrans({"—": "-", "–": "-", "－": "-", "‐": "-"})
_COUNTRY_PREFIX = re.compile(r"^(?:\+86|0086|86)(?=1[3-9]\d{9}$)")
MAX_PHONE_INPUT = 40


def normalise_phone(text: str) -> str | None:
    """`13812345678` or `0571-87654321` for a valid number in any usual spelling; None otherwise."""
    if len(text) > MAX_PHONE_INPUT:
        return None
    raw = _IGNORED.sub("", unicodedata.normalize("NFKC", text).translate(_DASHES))
    digits = raw.replace("-", "")
    mobile = _COUNTRY_PREFIX.sub("", digits)
    if _MOBILE.fullmatch(mobile):
        return mobile
    if raw.startswith("0") and raw.count("-") <= 1:
        found = _LANDLINE.fullmatch(raw) if "-" in raw else _LANDLINE.fullmatch(digits)
        if found:
            return f"{found.group(1)}-{found.group(2)}"
    return None


def mask_phone(phone: str | None) -> str:
    """138****5678 / 0571-****4321; an empty string for no phone."""
    if not phone:
        return ""
    if "-" in phone:
        area, local = phone.split("-", 1)
        return f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"
    if len(phone) == 11:
        return f"{phone[:3]}****{phone[-4:]}"
    return "*" * max(len(phone) - 4, 0) + phone[-4:]
