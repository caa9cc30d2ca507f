"""Compensation estimate (算好利益帐): county parameters in, an itemised money-vs-exchange comparison out.

Entry points for callers (chat flow, /calc page, CLI):

- `load_params(path)` / `parse_params(data)` → `CompensationParams`
- `household_from_fields(fields, params)` → `Household` (resident's text answers, parsed and checked)
- `estimate(household, params)` → `Estimate`
- `estimate_to_json(estimate)` / `render_text(estimate)` for output
- `InputError` (resident-facing Chinese message) and `ParamsError` (invalid parameter file)
"""

from bot.compensation.engine import estimate
from bot.compensation.errors import InputError, ParamsError
from bot.compensation.intake import household_from_fields
from bot.compensation.model import Estimate, Household, Line, Option, Use
from bot.compensation.params import CompensationParams, load_params, parse_params
from bot.compensation.report import estimate_to_json, render_text

__all__ = [
    "CompensationParams",
    "Estimate",
    "Household",
    "InputError",
    "Line",
    "Option",
    "ParamsError",
    "Use",
    "estimate",
    "estimate_to_json",
    "household_from_fields",
    "load_params",
    "parse_params",
    "render_text",
]
