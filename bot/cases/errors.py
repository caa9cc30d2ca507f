"""Domain exceptions of the case side. Each carries a message staff can read; the web edge maps them to statuses
(NotFound → 404, Forbidden → 403, Conflict → 409, InvalidInput → 400)."""

from __future__ import annotations


class CaseError(Exception):
    """Base of every case-domain error; `str(exc)` is a Chinese sentence fit to show to staff."""


class NotFound(CaseError):
    """No such case — or one outside the viewer's scope, which must look exactly the same."""

    def __init__(self, message: str = "没有找到这个案件。") -> None:
        super().__init__(message)


class Forbidden(CaseError):
    """The viewer may see the case but may not do this to it (role, department, assignee)."""


class TransitionNotAllowed(Forbidden):
    """The action is not possible from the case's current status, or not for this viewer."""


class Conflict(CaseError):
    """Someone else got there first (a claim of a case another person holds or is claiming right now)."""


class InvalidInput(CaseError):
    """A value the action cannot use (empty reply, too many extension days, unknown department …)."""
