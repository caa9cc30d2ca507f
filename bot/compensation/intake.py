"""Text answers (CLI options, web form fields, chat replies) → a `Household`, each read by its field of
bot/compensation/fields.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.compensation.errors import InputError
from bot.compensation.fields import NAMES, read_answers
from bot.compensation.model import Household, Use
from bot.compensation.params import CompensationParams

FIELDS = NAMES


def household_from_fields(fields: Mapping[str, str | None], params: CompensationParams) -> Household:
    """Read the resident's text answers (keys as in FIELDS; missing, None or blank = not given); the first wrong
    one (in the order of FIELDS) is raised as InputError naming its field."""
    values, errors = read_answers(fields, params)
    if errors:
        name = next(iter(errors))
        raise InputError(errors[name], field=name)
    return household_from_values(values)


def household_from_values(values: Mapping[str, Any]) -> Household:
    """A Household from answers already read (fields.read_answers without errors)."""
    return Household(
        area=values["area"],
        district_id=values["district"],
        use=values.get("use", Use.RESIDENTIAL),
        business_area=values.get("business_area"),
        decoration=values.get("decoration"),
        decoration_appraisal=values.get("decoration_amount"),
        assessed_unit_price=values.get("assessed_price"),
        floor=values.get("floor"),
        orientation=values.get("orientation"),
        unregistered_area=values.get("unregistered_area"),
        exchange_area=values.get("exchange_area"),
        sign_date=values.get("sign_date"),
        monthly_profit=values.get("monthly_profit"),
    )
