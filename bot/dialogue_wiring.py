"""The dialogue core wired to its collaborators: the conversation (handlers), the case desk (bot/cases) and the
household ledger: its binding desk and its read side (bot/households).

The core sits below them and knows them only through its port (bot/core/port.py); create_app, the console and the
tests build the service here, so every one of them runs the same conversation on the same desk."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.resident_desk import ResidentDesk
from bot.cases.workdays import WorkCalendar
from bot.core.dialogue import Clock, DialogueService, TurnObserver, utc_now
from bot.households.binding_desk import BindingRules, HouseholdBindingDesk
from bot.households.files import LedgerFiles
from bot.settings import Settings
from handlers.router import respond
from knowledge.base import KnowledgeBase


def dialogue_service(
    engine: AsyncEngine,
    kb: KnowledgeBase,
    clock: Clock = utc_now,
    calendar: WorkCalendar | None = None,
    observe: TurnObserver | None = None,
    cases_per_day: int = Settings.cases_per_day,
    binding: BindingRules | None = None,
) -> DialogueService:
    """The service that handles residents' messages; `calendar` and `cases_per_day` go to the case desk, `binding`
    (the ledger's key and the attempt limits; none: binding is not available) to the binding desk."""
    desk = ResidentDesk(kb.params, calendar, cases_per_day)
    bindings = HouseholdBindingDesk(binding)
    return DialogueService(
        engine, kb, respond, desk, clock, observe=observe, bindings=bindings, households=LedgerFiles()
    )
