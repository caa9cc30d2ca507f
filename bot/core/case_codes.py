"""The case codes the port carries (bot/core/port.py): a case's type and a resident's rating of its handling.
The case domain adds their labels and the rest of its words (bot/cases/vocabulary.py)."""

from __future__ import annotations

from enum import StrEnum


class CaseType(StrEnum):
    COMPLAINT = "complaint"
    ASSISTANCE = "assistance"
    INQUIRY = "inquiry"


class Rating(StrEnum):
    SATISFIED = "3"
    MOSTLY_SATISFIED = "2"
    DISSATISFIED = "1"
