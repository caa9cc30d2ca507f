"""What a household has been paid and what is due by the sample plan (bot/households/payments.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from bot.core.household_file import HouseholdFile
from bot.households.payments import compensation_status, months_between, transition_status
from tests.households.ledger_files import PARAMS

FILE = HouseholdFile(
    household_no="DG-0101",
    district="dongguan",
    address="示例县东关街101号",
    legal_area=Decimal("80.00"),
    recognised_area=None,
    use="residential",
    assessed_value=Decimal("416000.00"),
    appraisal_report_no="PG-DG-0101",
    decoration_value=None,
    chosen_option="exchange",
    agreement_status="signed",
    agreement_date=date(2026, 9, 2),
    selection_no=None,
    selection_date=None,
    handover_date=date(2028, 11, 3),
    compensation_paid=None,
    transition_payments=(("2028-11", Decimal("960.00")),),
    updated_at=datetime(2026, 9, 2, tzinfo=UTC),
    import_id=1,
)


def test_months_between_crosses_the_year() -> None:
    assert months_between("2028-11", "2029-02") == ("2028-11", "2028-12", "2029-01", "2029-02")
    assert months_between("2029-02", "2028-11") == ()


def test_months_past_the_handover_deadline_count_at_the_plans_multiple() -> None:
    # the sample plan: flats handed over by 2028-12-31; later months at 2 × 960 (80 m² × 12 元)
    status = transition_status(FILE, PARAMS, date(2029, 2, 10))
    assert status.due_months == ("2028-11", "2028-12", "2029-01", "2029-02")
    assert status.late_from == "2029-01" and status.multiplier == 2
    assert status.due_total == Decimal("960") * 2 + Decimal("1920") * 2
    assert status.unpaid_months == ("2028-12", "2029-01", "2029-02") and status.paid_total == Decimal("960.00")


def test_money_option_is_one_lump_and_no_option_is_nothing_yet() -> None:
    small = replace(FILE, legal_area=Decimal("30.00"), chosen_option="cash")
    lump = transition_status(small, PARAMS, date(2026, 11, 1))
    assert lump.kind == "lump" and lump.counted_area == Decimal("45") and lump.due_total == Decimal("3240.00")
    none = transition_status(replace(FILE, chosen_option=None), PARAMS, date(2026, 11, 1))
    assert none.kind == "no_option" and none.due_total == 0 and none.due_months == ()


def test_compensation_is_due_within_the_plans_days_of_signing() -> None:
    late = compensation_status(FILE, PARAMS, date(2026, 9, 18))
    assert late.due_by == date(2026, 9, 17) and late.overdue
    assert not compensation_status(FILE, PARAMS, date(2026, 9, 17)).overdue
    paid = compensation_status(replace(FILE, compensation_paid=Decimal("1.00")), PARAMS, date(2026, 12, 1))
    assert not paid.overdue
    unsigned = compensation_status(
        replace(FILE, agreement_status="unsigned", agreement_date=None), PARAMS, date(2027, 1, 1)
    )
    assert unsigned.due_by is None and not unsigned.overdue
