"""Phone validation and masking; case number format and parsing."""

from __future__ import annotations

import pytest

from bot.cases.numbers import format_case_number, parse_case_number
from bot.cases.phones import mask_phone, normalise_phone


@pytest.mark.parametrize(
    ("typed", "phone"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 13800138000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("19912345678", "19912345678"),
        ("0571-87654321", "0571-87654321"),
        ("057187654321", "0571-87654321"),
        ("(0571)87654321", "0571-87654321"),
        ("010-12345678", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("020 1234567", "020-1234567"),
    ],
)
def test_valid_numbers_are_normalised(typed: str, phone: str) -> None:
    assert normalise_phone(typed) == phone


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "12345",
        "12800138000",
        "1380013800",
        "138001380001",
        "23800138000",
        "87654321",
        "0571-876",
        "0571--87654321",
        "abc",
        "１３８",
        "13800138000" * 10,
        "<script>",
        "0571-87654321-1",
        "+1 4155552671",
        "0000-6100001",
    ],
)
def test_invalid_numbers_are_refused(typed: str) -> None:
    assert normalise_phone(typed) is None


def test_masking() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0571-87654321") == "0571-****4321"
    assert mask_phone(None) == "" and mask_phone("") == ""


def test_case_numbers() -> None:
    assert format_case_number(2026, 123) == "AJ-2026-000123"
    assert format_case_number(2026, 1234567) == "AJ-2026-1234567"
    for typed in ("AJ-2026-000123", "aj-2026-000123", "AJ2026000123", " AJ-2026-123 ", "ＡＪ－２０２６－０００１２３"):
        assert parse_case_number(typed) == "AJ-2026-000123", typed
    for typed in ("", "2026-000123", "AJ-26-1", "AJ-2026-", "AJ-2026-00012x", "AJ-2026-0001234567890"):
        assert parse_case_number(typed) is None, typed
