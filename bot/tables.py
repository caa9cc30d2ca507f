"""Every table of the application, registered on one `Base.metadata` (bot/db/base.py): what the migrations' env
and the schema test compare the migrations against. A new module of tables is listed here."""

from __future__ import annotations

from bot.attachments import models as attachment_models
from bot.cases import models as case_models
from bot.db import limits, models, signed_requests
from bot.db.base import Base
from bot.district_notices import models as district_notice_models
from bot.households import models as household_models
from bot.households import publications
from bot.outbox import models as outbox_models
from bot.robots import models as robot_models

MODULES = (
    models,
    case_models,
    outbox_models,
    signed_requests,
    limits,
    robot_models,
    attachment_models,
    household_models,
    district_notice_models,
    publications,
)
metadata = Base.metadata
