"""居民身份证号码 (GB 11643-1999): the check digit and the date of birth; and the keyed hashes the ledger keeps
instead of the number (HMAC-SHA-256 with the county's secret, `ANJU_HOUSEHOLD_ID_KEY`)."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date

_SHAPE = re.compile(r"\d{17}[\dX]")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"  # the check character for (Σ digit × weight) mod 11


def normalise_id(text: str) -> str:
    """Full-width digits, spaces and a lower-case x made regular."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text)).upper()


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_problem(number: str, today: date) -> str | None:
    """None for a well-formed 18-digit number; otherwise what is wrong, in Chinese (never echoing the number)."""
    if not _SHAPE.fullmatch(number):
        return "身份证号应为 18 位（前 17 位数字，最后一位数字或 X）"
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "身份证号中的出生日期不存在"
    if not date(1900, 1, 1) <= born <= today:
        return "身份证号中的出生日期不合理"
    if check_digit(number[:17]) != number[17]:
        return "身份证号校验位不对，请核对是否抄错"
    return None


def id_hash(key: bytes, number: str) -> str:
    return hmac.new(key, b"id:" + number.encode(), hashlib.sha256).hexdigest()


def id_tail_hash(key: bytes, household_no: str, number: str) -> str:
    """The last 6 digits bound to one 户号: what binding by 户号 + 户主 + last 6 digits compares (issue 14, point 2)."""
    return hmac.new(key, f"tail6:{household_no}:{number[-6:]}".encode(), hashlib.sha256).hexdigest()
