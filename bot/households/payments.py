"""What a household has been paid and what is due, per the county plan (knowledge/params.yaml): 临时安置费 (过渡费)
month by month, and the compensation's payment deadline. Pure: the ledger's file and the plan in, plain values out.

临时安置费, as the plan has it (its clause `transition_fee`): property exchange — every month from moving out (the
ledger's hand-over date) until the resettlement flat is handed over, per m² of the legal area (not below the plan's
minimum area), months past the plan's hand-over deadline at the plan's multiple (clause `late_handover`); money
compensation — one lump of the plan's months. Compensation: paid within the plan's `payment_days` after the agreement
takes effect (clause `payment`). What the agreement says decides; this is what the ledger and the plan show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bot.core.household_file import HouseholdFile
from bot.households.vocabulary import AgreementStatus, Option

ZERO = Decimal("0.00")


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_between(first: str, last: str) -> tuple[str, ...]:
    """ "2026-11".."2027-02" → ("2026-11", "2026-12", "2027-01", "2027-02"); () when `last` is before `first`."""
    year, month = (int(x) for x in first.split("-"))
    end = tuple(int(x) for x in last.split("-"))
    found = []
    while (year, month) <= end:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(found)


@dataclass(frozen=True)
class TransitionStatus:
    """过渡费 of one household: the monthly amount, the months due so far, what the ledger records as paid."""

    kind: str  # "monthly" (property exchange), "lump" (money compensation), "not_started", "no_option"
    monthly: Decimal  # 元 a month by the plan
    counted_area: Decimal
    due_months: tuple[str, ...]  # monthly: from the month of moving out to this month
    due_total: Decimal  # what the plan gives for `due_months` (or the lump)
    paid: tuple[tuple[str, Decimal], ...]
    late_from: str | None  # the first month past the plan's hand-over deadline, within `due_months`
    multiplier: int

    @property
    def paid_total(self) -> Decimal:
        return sum((amount for _, amount in self.paid), Decimal("0.00"))

    @property
    def unpaid_months(self) -> tuple[str, ...]:
        """Months due that the ledger records no payment for."""
        paid = {month for month, _ in self.paid}
        return tuple(m for m in self.due_months if m not in paid)

    @property
    def last_paid(self) -> str | None:
        return self.paid[-1][0] if self.paid else None


def transition_status(file: HouseholdFile, params: dict[str, Any], today: date) -> TransitionStatus:
    fee = params["compensation"]["transition_fee"]
    per_m2, min_area = Decimal(str(fee["per_m2_month"])), Decimal(str(fee["min_area"]))
    counted = max(file.legal_area, min_area)
    monthly = (counted * per_m2).quantize(Decimal("0.01"))
    multiplier = int(((params.get("policy") or {}).get("late_handover") or {}).get("overdue_multiplier") or 1)

    def status(
        kind: str, due: tuple[str, ...] = (), total: Decimal = ZERO, late: str | None = None
    ) -> TransitionStatus:
        return TransitionStatus(kind, monthly, counted, due, total, file.transition_payments, late, multiplier)

    if file.chosen_option == Option.CASH:
        return status("lump", total=monthly * int(fee["money_lump_months"]))
    if file.chosen_option != Option.EXCHANGE:
        return status("no_option")
    if file.handover_date is None:
        return status("not_started")
    due = months_between(month_of(file.handover_date), month_of(today))
    deadline = (params.get("programme") or {}).get("resettlement_handover_date")
    late_from = None
    if isinstance(deadline, date):
        late = [m for m in due if m > month_of(deadline)]
        late_from = late[0] if late else None
    total = sum((monthly * (multiplier if late_from and m >= late_from else 1) for m in due), ZERO)
    return status("monthly", due, total, late_from)


@dataclass(frozen=True)
class CompensationStatus:
    signed: bool
    agreement_date: date | None
    payment_days: int
    due_by: date | None  # agreement date + payment_days (if the agreement took effect when signed)
    paid: Decimal | None
    overdue: bool  # signed, past `due_by`, and the ledger records nothing paid


def compensation_status(file: HouseholdFile, params: dict[str, Any], today: date) -> CompensationStatus:
    days = int((params.get("programme") or {}).get("payment_days") or 0)
    signed = file.agreement_status == AgreementStatus.SIGNED and file.agreement_date is not None
    due_by = file.agreement_date + timedelta(days=days) if signed and file.agreement_date and days else None
    nothing = not file.compensation_paid
    return CompensationStatus(
        signed, file.agreement_date, days, due_by, file.compensation_paid, bool(due_by and today > due_by and nothing)
    )
