"""The dialogue core's port: the values a step function reads and returns — dialogue state, context, effects and
the resulting turn — and the narrow read port on cases. Handlers build these; the core and the case desk consume them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.binding_port import BindingEffect
from bot.core.case_codes import CaseType, Rating
from bot.core.household_file import HouseholdReader, NoHousehold
from bot.core.messages import Inbound, Outbound
from knowledge.base import KnowledgeBase


@dataclass(frozen=True)
class Conversation:
    """Where one resident is: an active flow and its step and answers so far, plus the last topic shown."""

    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    last_topic: str | None = None
    last_question: str | None = None
    last_flow: str | None = None  # the flow that ran last, while no topic has been answered since

    def to_json(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "step": self.step,
            "data": self.data,
            "last_topic": self.last_topic,
            "last_question": self.last_question,
            "last_flow": self.last_flow,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Conversation:
        data = data or {}
        return cls(
            flow=data.get("flow"),
            step=data.get("step"),
            data=dict(data.get("data") or {}),
            last_topic=data.get("last_topic"),
            last_question=data.get("last_question"),
            last_flow=data.get("last_flow"),
        )

    def idle(self) -> Conversation:
        """The same resident with no active flow."""
        return replace(self, flow=None, step=None, data={})


@dataclass(frozen=True)
class CaseSummary:
    """One of the resident's cases as 查进度 shows it (codes; handlers pick the Chinese labels)."""

    number: str
    type: str
    category: str
    status: str
    created_at: datetime
    next_due: datetime | None
    latest_reply: str | None = None
    latest_reply_at: datetime | None = None
    can_rate: bool = False
    undelivered: int = 0  # notices about it the resident's channel refused (WeChat's 48-hour window)
    undelivered_reasons: tuple[str, ...] = ()  # why, in the resident's words, each once ("": the channel said not)


@dataclass(frozen=True)
class PhoneLookup:
    """A look-up by number and phone: the case, or None — and whether it was refused for too many look-ups."""

    case: CaseSummary | None
    limited: bool = False


class CaseReader(Protocol):
    """The narrow read port on cases, bound by the core to this resident and this turn's transaction."""

    async def for_resident(self, limit: int = 5) -> list[CaseSummary]:
        """The resident's own cases, newest first."""

    async def by_number(self, number: str) -> CaseSummary | None:
        """The case with this number if the resident filed it."""

    async def by_phone(self, number: str, phone: str, now: datetime, client: str | None = None) -> PhoneLookup:
        """The case with this number if `phone` is its phone (never a staff-conduct complaint: those only to whoever
        filed them); counted against the limits of bot/cases/lookups.py, whether or not it is found."""

    async def complaint_units(self) -> list[tuple[str, str]]:
        """(code, name) of the departments a staff-conduct complaint can name."""


class NoCases:
    """A CaseReader for turns without a database (unit tests of step functions): there are no cases."""

    async def for_resident(self, limit: int = 5) -> list[CaseSummary]:
        return []

    async def by_number(self, number: str) -> CaseSummary | None:
        return None

    async def by_phone(self, number: str, phone: str, now: datetime, client: str | None = None) -> PhoneLookup:
        return PhoneLookup(None)

    async def complaint_units(self) -> list[tuple[str, str]]:
        return []


@dataclass(frozen=True)
class TurnContext:
    kb: KnowledgeBase
    now: datetime
    cases: CaseReader = field(default_factory=NoCases)
    # the resident's own household file, when they are bound to one (bot/core/household_file.py)
    households: HouseholdReader = field(default_factory=NoHousehold)
    # unique per inbound message ("<channel>:<dedupe key>"): forms use the one that started them as their identity
    message_key: str = ""
    # the web adapter's digest of the caller's address (Inbound.payload["client"]), for limits counted per client
    client: str | None = None


GapReason = Literal["abstain", "unhelpful"]
RatingOutcome = Literal["rated", "reopened", "review", "already_rated", "not_closed", "not_found"]


@dataclass(frozen=True)
class RecordGap:
    """Remember a question for the curators: not answered ("abstain"), or its answer marked 没用 ("unhelpful")."""

    question: str
    reason: GapReason
    topic_id: str | None = None


@dataclass(frozen=True)
class RecordFeedback:
    topic_id: str
    helpful: bool
    question: str


@dataclass(frozen=True)
class CreateCase:
    """File a case from a confirmed form. `intake_key` identifies the form: filing it again (a double tap, a channel
    retry) finds the case already filed. Its outcome, under `ref`, is a CaseReceipt."""

    ref: str
    intake_key: str
    type: CaseType
    category: str
    district: str
    address: str = ""
    description: str = ""
    wish: str = ""
    phone: str | None = None
    anonymous: bool = False
    named_unit: str | None = None  # staff-conduct complaints: code of the department complained about
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseReceipt:
    """What filing produced, inside the turn's transaction: the number the resident is shown is committed with it."""

    number: str
    created: bool  # False: the same form had been filed before
    urgent: bool
    department: str | None
    reply_due: datetime | None
    finish_due: datetime | None
    daily_limit: int | None = None  # set: nothing filed — the resident already filed this many in 24 hours


@dataclass(frozen=True)
class RateCase:
    """The resident's 满意 / 基本满意 / 不满意 on a resolved case; its outcome, under `ref`, is a RatingResult."""

    ref: str
    number: str
    rating: Rating


@dataclass(frozen=True)
class RatingResult:
    number: str
    # "review": 不满意 again, or too late to reopen — the right to 复查
    outcome: RatingOutcome
    finish_due: datetime | None = None


@dataclass(frozen=True)
class ExplainRating:
    """What the resident says was wrong, after a 不满意 on the case `number`; its outcome, under `ref`, is True when
    it was recorded (False: no 不满意 of theirs on that case still waits for a reason)."""

    ref: str
    number: str
    reason: str


@dataclass(frozen=True)
class AttachToCase:
    """A photo sent after filing, added to the resident's open case `number` (bot/attachments); outcome: bool."""

    number: str
    attachment: Mapping[str, str]  # channel, file_id, caption, attachment_id — as a form keeps them
    ref: str = "attached"


@dataclass(frozen=True)
class SetDistrictNotices:
    """The resident turns notices to a district off (关闭通知, 不再接收此类通知) or on again (打开通知); outcome, under
    `ref`: True when that changed something (False: they were already off, or on)."""

    on: bool
    ref: str = "district_notices"


Effect = (
    RecordGap
    | RecordFeedback
    | CreateCase
    | RateCase
    | ExplainRating
    | AttachToCase
    | SetDistrictNotices
    | BindingEffect
)
# what effect writers produced, by the `ref` of the effect
Outcomes = Mapping[str, Any]


@dataclass(frozen=True)
class Turn:
    """A step's result. `then` is for replies that depend on what the effects produce (a new case's number): the
    core applies the effects in the turn's transaction, calls `then(outcomes)` and keeps the Turn it returns (its
    state and replies; it asks for no further effects) — so whatever the resident reads was committed with it."""

    state: Conversation
    replies: tuple[Outbound, ...]
    effects: tuple[Effect, ...] = ()
    then: Callable[[Outcomes], Turn] | None = None
    # what the router understood the message as (a topic id or "intent:<name>"; None: small talk, not sure, a
    # button) and how sure it was: `kb match --jsonl` with turns reports these
    label: str | None = None
    score: float = 0.0
    # the message held what must not be kept in clear (a binding code, a name and ID digits): the message log
    # keeps this instead of its text
    log_text: str | None = None


# the conversation (handlers/router.py `respond`): state and message in, the turn out; create_app hands it to the core
Respond = Callable[[Conversation, Inbound, TurnContext], Awaitable[Turn]]


class CaseDesk(Protocol):
    """The case domain as the core uses it (bot/cases/resident_desk.py), inside the turn's transaction: the read port
    for one resident, and the writers of the effects that touch cases."""

    def reader(self, conn: AsyncConnection, resident_id: int) -> CaseReader:
        """The resident's cases, read in `conn`'s transaction."""

    async def file(self, conn: AsyncConnection, resident_id: int, effect: CreateCase, now: datetime) -> CaseReceipt:
        """File the case of a confirmed form (or find it filed before)."""

    async def rate(self, conn: AsyncConnection, resident_id: int, effect: RateCase, now: datetime) -> RatingResult:
        """Record the resident's rating of a closed case."""

    async def explain_rating(
        self, conn: AsyncConnection, resident_id: int, effect: ExplainRating, now: datetime
    ) -> bool:
        """Keep the reason of a 不满意; False when none waits for one."""

    async def attach(self, conn: AsyncConnection, resident_id: int, effect: AttachToCase, now: datetime) -> bool:
        """Add a photo to the resident's own open case; False when it is not theirs, closed, or full."""
