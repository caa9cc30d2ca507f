"""Every transition and who may make it: the state machine checked against an independent statement of the rules,
for every action, every status and every kind of actor."""

from __future__ import annotations

import pytest

from bot.cases.actors import ResidentActor, StaffUser, SystemActor
from bot.cases.errors import NotFound, TransitionNotAllowed
from bot.cases.scope import CaseFacts
from bot.cases.transitions import TRANSITIONS, Action, allowed_actions, authorize
from bot.cases.vocabulary import Role, Status

DEPT, OTHER_DEPT, DISPATCH_DEPT, DISCIPLINE_DEPT = 10, 11, 1, 2
ACTORS = {
    "own_staff": StaffUser(1, "own", "own", Role.DEPARTMENT_STAFF, DEPT),
    "assignee": StaffUser(2, "assignee", "assignee", Role.DEPARTMENT_STAFF, DEPT),
    "other_staff": StaffUser(3, "other", "other", Role.DEPARTMENT_STAFF, OTHER_DEPT),
    "dispatcher": StaffUser(4, "desk", "desk", Role.DISPATCHER, DISPATCH_DEPT),
    "supervisor": StaffUser(5, "sup", "sup", Role.SUPERVISOR, None),
    "admin": StaffUser(6, "admin", "admin", Role.ADMIN, None),
    "resident": ResidentActor(7),
    "other_resident": ResidentActor(8),
    "system": SystemActor(),
}
ALL = set(Status)
OPEN = ALL - {Status.CLOSED, Status.MERGED}
HANDLING = {Status.ACCEPTED, Status.IN_PROGRESS, Status.REPLIED}
BOSSES = {"supervisor", "admin"}
# action: (statuses it starts from, status it leads to (None: unchanged), who may take it)
EXPECTED = {
    Action.DISPATCH: ({Status.NEW, Status.RETURNED}, Status.DISPATCHED, {"dispatcher"} | BOSSES),
    Action.CLAIM: ({Status.DISPATCHED}, Status.ACCEPTED, {"own_staff", "assignee"} | BOSSES),
    Action.START: ({Status.ACCEPTED}, Status.IN_PROGRESS, {"assignee"} | BOSSES),
    Action.REPLY: (HANDLING, Status.REPLIED, {"assignee"} | BOSSES),
    Action.NOTE: (ALL, None, {"own_staff", "assignee", "dispatcher"} | BOSSES),
    Action.TRANSFER: (
        {Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS},
        Status.DISPATCHED,
        {"dispatcher"} | BOSSES,
    ),
    Action.RETURN: ({Status.DISPATCHED, Status.ACCEPTED}, Status.RETURNED, {"own_staff", "assignee"} | BOSSES),
    Action.EXTEND: (HANDLING, None, {"assignee"} | BOSSES),
    Action.RESOLVE: (HANDLING, Status.CLOSED, {"assignee"} | BOSSES),
    Action.MERGE: (OPEN, Status.MERGED, {"dispatcher", "assignee"} | BOSSES),
    Action.REOPEN: ({Status.CLOSED}, Status.IN_PROGRESS, {"resident"} | BOSSES),
    Action.RATE: ({Status.CLOSED, Status.MERGED}, None, {"resident"}),
    Action.RATE_REASON: (ALL, None, {"resident"}),
    Action.ESCALATE: (OPEN, None, {"system"} | BOSSES),
    Action.REMIND: (OPEN, None, {"system"}),
}


def facts(status: Status, **overrides: object) -> CaseFacts:
    values = {
        "status": status,
        "department_id": DEPT,
        "department_kind": "office",
        "named_department_id": None,
        "assignee_id": 2,
        "resident_id": 7,
    }
    return CaseFacts(**{**values, **overrides})  # type: ignore[arg-type]


def test_the_table_covers_every_action() -> None:
    assert set(TRANSITIONS) == set(EXPECTED) == set(Action)


@pytest.mark.parametrize("action", list(Action))
def test_who_may_take_each_action_from_each_status(action: Action) -> None:
    sources, target, who = EXPECTED[action]
    for status in Status:
        for name, actor in ACTORS.items():
            case = facts(status)
            if name == "other_staff":  # another department's case does not exist for them
                with pytest.raises(NotFound):
                    authorize(action, case, actor)
                continue
            if status in sources and name in who:
                assert authorize(action, case, actor) == (target or status), (action, status, name)
            else:
                with pytest.raises(TransitionNotAllowed) as refused:
                    authorize(action, case, actor)
                assert str(refused.value), (action, status, name)


def test_refusals_say_why_in_chinese() -> None:
    with pytest.raises(TransitionNotAllowed, match="当前状态为“已办结”，不能签收"):
        authorize(Action.CLAIM, facts(Status.CLOSED), ACTORS["own_staff"])
    with pytest.raises(TransitionNotAllowed, match="只有承办人可以答复居民"):
        authorize(Action.REPLY, facts(Status.ACCEPTED), ACTORS["own_staff"])
    with pytest.raises(TransitionNotAllowed, match="岗位不能"):
        authorize(Action.RESOLVE, facts(Status.ACCEPTED), ACTORS["dispatcher"])


def test_discipline_wall_in_access_rules() -> None:
    complaint_about_dept = facts(
        Status.DISPATCHED,
        department_id=DISCIPLINE_DEPT,
        department_kind="discipline",
        named_department_id=DEPT,
        assignee_id=None,
    )
    for name in ("own_staff", "assignee", "dispatcher"):
        with pytest.raises(NotFound):
            authorize(Action.NOTE, complaint_about_dept, ACTORS[name])
    inspector = StaffUser(9, "jj", "jj", Role.DEPARTMENT_STAFF, DISCIPLINE_DEPT)
    assert authorize(Action.CLAIM, complaint_about_dept, inspector) == Status.ACCEPTED
    assert authorize(Action.NOTE, complaint_about_dept, ACTORS["supervisor"]) == Status.DISPATCHED


def test_allowed_actions_are_the_dashboard_buttons() -> None:
    assert allowed_actions(facts(Status.DISPATCHED, assignee_id=None), ACTORS["own_staff"]) == [
        Action.CLAIM,
        Action.NOTE,
        Action.RETURN,
    ]
    assert allowed_actions(facts(Status.ACCEPTED), ACTORS["assignee"]) == [
        Action.START,
        Action.REPLY,
        Action.NOTE,
        Action.RETURN,
        Action.EXTEND,
        Action.RESOLVE,
        Action.MERGE,
    ]
    assert allowed_actions(facts(Status.CLOSED), ACTORS["other_staff"]) == []
