"""The case state machine as a table: for each action, the statuses it starts from, the status it leads to, and
who may take it.

    new ─派单→ dispatched ─签收→ accepted ─开始办理→ in_progress ─答复→ replied ─办结→ closed
                  ↑   ↘退单→ returned ─派单→ dispatched                        closed ─重新办理→ in_progress
                  └─转办── accepted / in_progress         any open case ─并单→ merged

Who: each rule names the staff roles that may act and how close to the case they must be — any case they can see,
their own department's case, or a case assigned to them. Supervisors and admins may take every staff action on
every case. The resident who filed a case rates it and may reopen it (不满意); the system only reminds and
escalates. A forbidden action raises TransitionNotAllowed with a sentence staff can read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.cases.actors import Actor, ResidentActor, StaffUser, SystemActor
from bot.cases.errors import NotFound, TransitionNotAllowed
from bot.cases.scope import CaseFacts, can_view
from bot.cases.vocabulary import OPEN_STATUSES, STAFF_STATUS_LABELS, Role, Status


class Action(StrEnum):
    DISPATCH = "dispatch"
    CLAIM = "claim"
    START = "start"
    REPLY = "reply"
    NOTE = "note"
    TRANSFER = "transfer"
    RETURN = "return"
    EXTEND = "extend"
    RESOLVE = "resolve"
    MERGE = "merge"
    REOPEN = "reopen"
    RATE = "rate"
    RATE_REASON = "rate_reason"
    ESCALATE = "escalate"
    REMIND = "remind"


ACTION_LABELS = {
    Action.DISPATCH: "派单",
    Action.CLAIM: "签收",
    Action.START: "开始办理",
    Action.REPLY: "答复居民",
    Action.NOTE: "添加内部备注",
    Action.TRANSFER: "转办",
    Action.RETURN: "退单",
    Action.EXTEND: "延期",
    Action.RESOLVE: "办结",
    Action.MERGE: "并单",
    Action.REOPEN: "重新办理",
    Action.RATE: "评价",
    Action.RATE_REASON: "说明不满意的原因",
    Action.ESCALATE: "督办",
    Action.REMIND: "提醒",
}


class Reach(StrEnum):
    """How close to a case a staff member must be."""

    VISIBLE = "visible"  # any case they can see
    DEPARTMENT = "department"  # a case of their own department
    ASSIGNEE = "assignee"  # a case assigned to them


@dataclass(frozen=True)
class Rule:
    sources: frozenset[Status]
    target: Status | None  # None: the status stays
    staff: Mapping[Role, Reach] = field(default_factory=dict)
    overseers: bool = True  # supervisors and admins may take it on any case
    resident: bool = False  # the resident who filed the case may take it
    system: bool = False
    public: bool = False  # the event is shown to (and sent to) the resident


ALL = frozenset(Status)
OPEN = frozenset(OPEN_STATUSES)
HANDLING = frozenset({Status.ACCEPTED, Status.IN_PROGRESS, Status.REPLIED})

TRANSITIONS: dict[Action, Rule] = {
    Action.DISPATCH: Rule(
        frozenset({Status.NEW, Status.RETURNED}), Status.DISPATCHED, {Role.DISPATCHER: Reach.VISIBLE}
    ),
    Action.CLAIM: Rule(
        frozenset({Status.DISPATCHED}), Status.ACCEPTED, {Role.DEPARTMENT_STAFF: Reach.DEPARTMENT}, public=True
    ),
    Action.START: Rule(frozenset({Status.ACCEPTED}), Status.IN_PROGRESS, {Role.DEPARTMENT_STAFF: Reach.ASSIGNEE}),
    Action.REPLY: Rule(HANDLING, Status.REPLIED, {Role.DEPARTMENT_STAFF: Reach.ASSIGNEE}, public=True),
    Action.NOTE: Rule(ALL, None, {Role.DISPATCHER: Reach.VISIBLE, Role.DEPARTMENT_STAFF: Reach.DEPARTMENT}),
    Action.TRANSFER: Rule(
        frozenset({Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS}),
        Status.DISPATCHED,
        {Role.DISPATCHER: Reach.VISIBLE},
    ),
    Action.RETURN: Rule(
        frozenset({Status.DISPATCHED, Status.ACCEPTED}), Status.RETURNED, {Role.DEPARTMENT_STAFF: Reach.DEPARTMENT}
    ),
    Action.EXTEND: Rule(HANDLING, None, {Role.DEPARTMENT_STAFF: Reach.ASSIGNEE}, public=True),
    Action.RESOLVE: Rule(HANDLING, Status.CLOSED, {Role.DEPARTMENT_STAFF: Reach.ASSIGNEE}, public=True),
    Action.MERGE: Rule(
        OPEN, Status.MERGED, {Role.DISPATCHER: Reach.VISIBLE, Role.DEPARTMENT_STAFF: Reach.ASSIGNEE}, public=True
    ),
    Action.REOPEN: Rule(frozenset({Status.CLOSED}), Status.IN_PROGRESS, resident=True, public=True),
    # a merged case is rated once the case it was merged into is closed (bot/cases/resident_desk.py checks that)
    Action.RATE: Rule(frozenset({Status.CLOSED, Status.MERGED}), None, overseers=False, resident=True),
    # after 不满意 the case may be closed (复查) or reopened, in any state
    Action.RATE_REASON: Rule(ALL, None, overseers=False, resident=True),
    Action.ESCALATE: Rule(OPEN, None, system=True),
    Action.REMIND: Rule(OPEN, None, overseers=False, system=True),
}


def authorize(action: Action, case: CaseFacts, actor: Actor) -> Status:
    """The status `case` will have after `actor` takes `action`; raises if the action is not allowed.

    A staff user who cannot see the case gets NotFound (the case does not exist for them)."""
    rule = TRANSITIONS[action]
    if isinstance(actor, StaffUser) and not can_view(actor, case):
        raise NotFound()
    label = ACTION_LABELS[action]
    status = Status(case.status)
    if status not in rule.sources:
        raise TransitionNotAllowed(f"案件当前状态为“{STAFF_STATUS_LABELS[status]}”，不能{label}。")
    _check_actor(action, rule, case, actor)
    return rule.target or status


def allowed_actions(case: CaseFacts, viewer: StaffUser) -> list[Action]:
    """The actions `viewer` may take on `case` now, in table order (the dashboard shows these buttons)."""
    allowed = []
    for action in TRANSITIONS:
        try:
            authorize(action, case, viewer)
        except (TransitionNotAllowed, NotFound):
            continue
        allowed.append(action)
    return allowed


def _check_actor(action: Action, rule: Rule, case: CaseFacts, actor: Actor) -> None:
    label = ACTION_LABELS[action]
    if isinstance(actor, SystemActor):
        if not rule.system:
            raise TransitionNotAllowed(f"系统不能{label}。")
        return
    if isinstance(actor, ResidentActor):
        if not rule.resident or case.resident_id != actor.resident_id:
            raise TransitionNotAllowed(f"只有登记人本人可以{label}。")
        return
    if actor.is_overseer:
        if not rule.overseers:
            raise TransitionNotAllowed(f"工作人员不能{label}。")
        return
    reach = rule.staff.get(actor.role)
    if reach is None:
        raise TransitionNotAllowed(f"您的岗位不能{label}。")
    if reach is Reach.DEPARTMENT and case.department_id != actor.department_id:
        raise TransitionNotAllowed(f"只能{label}本单位的案件。")
    if reach is Reach.ASSIGNEE and case.assignee_id != actor.id:
        raise TransitionNotAllowed(f"只有承办人可以{label}，请先签收。")
