"""Who acts on a case: a staff user (the viewer of every service call), the resident who filed it, or the system."""

from __future__ import annotations

from dataclasses import dataclass

from bot.cases.vocabulary import OVERSEER_ROLES, Role


@dataclass(frozen=True)
class StaffUser:
    """The staff member a service call acts for (the dashboard loads it from the login session)."""

    id: int
    username: str
    display_name: str
    role: Role
    department_id: int | None

    @property
    def is_overseer(self) -> bool:
        """Supervisors and admins see and may act on every case."""
        return self.role in OVERSEER_ROLES


@dataclass(frozen=True)
class ResidentActor:
    resident_id: int


@dataclass(frozen=True)
class SystemActor:
    name: str = "scheduler"


Actor = StaffUser | ResidentActor | SystemActor
SYSTEM = SystemActor()


def actor_columns(actor: Actor) -> dict[str, object]:
    """The `actor_kind` / `actor_staff_id` columns of an event made by `actor`."""
    if isinstance(actor, StaffUser):
        return {"actor_kind": "staff", "actor_staff_id": actor.id}
    if isinstance(actor, ResidentActor):
        return {"actor_kind": "resident", "actor_staff_id": None}
    return {"actor_kind": "system", "actor_staff_id": None}
