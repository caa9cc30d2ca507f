"""The words of the case domain: types, categories, statuses and roles, with the Chinese labels people read."""

from __future__ import annotations

from enum import StrEnum

from bot.core.case_codes import CaseType as CaseType  # the port's codes, part of the domain's words
from bot.core.case_codes import Rating as Rating

TYPE_LABELS = {CaseType.COMPLAINT: "诉求", CaseType.ASSISTANCE: "帮扶申请", CaseType.INQUIRY: "人工咨询"}


class Category(StrEnum):
    COMPENSATION = "compensation"
    PAYMENT_DELAY = "payment_delay"
    RESETTLEMENT = "resettlement"
    UTILITY_CUT = "utility_cut"
    STAFF_CONDUCT = "staff_conduct"
    SITE_SAFETY = "site_safety"
    OTHER = "other"
    # the category of every assistance request and every inquiry
    ASSISTANCE = "assistance"
    INQUIRY = "inquiry"


CATEGORY_LABELS = {
    Category.COMPENSATION: "补偿金额、评估有异议",
    Category.PAYMENT_DELAY: "补偿款没按时发",
    Category.RESETTLEMENT: "安置房问题",
    Category.UTILITY_CUT: "断水断电断路或威胁恐吓",
    Category.STAFF_CONDUCT: "工作人员作风问题",
    Category.SITE_SAFETY: "施工现场安全隐患",
    Category.OTHER: "其他问题",
    Category.ASSISTANCE: "上门帮扶",
    Category.INQUIRY: "人工咨询",
}
COMPLAINT_CATEGORIES = (
    Category.COMPENSATION,
    Category.PAYMENT_DELAY,
    Category.RESETTLEMENT,
    Category.UTILITY_CUT,
    Category.STAFF_CONDUCT,
    Category.SITE_SAFETY,
    Category.OTHER,
)
# handled within hours, not days
URGENT_CATEGORIES = frozenset({Category.UTILITY_CUT, Category.SITE_SAFETY})
# the district a resident picks when they do not know it
UNKNOWN_DISTRICT = "unknown"


class Status(StrEnum):
    NEW = "new"  # in the dispatch queue, not yet sent to a department
    DISPATCHED = "dispatched"  # 派单: waiting for the department to sign for it
    ACCEPTED = "accepted"  # 签收: a person owns it
    IN_PROGRESS = "in_progress"  # 办理中
    REPLIED = "replied"  # 已答复: the resident has the department's answer
    CLOSED = "closed"  # 办结
    RETURNED = "returned"  # 退单: back in the dispatch queue, with the reason
    MERGED = "merged"  # 并单: handled as part of another case


# what residents read (a returned case is simply being re-assigned, from their point of view)
STATUS_LABELS = {
    Status.NEW: "已登记，正在分派",
    Status.DISPATCHED: "已派给承办单位，等待签收",
    Status.ACCEPTED: "承办单位已受理",
    Status.IN_PROGRESS: "正在办理",
    Status.REPLIED: "已答复",
    Status.CLOSED: "已办结",
    Status.RETURNED: "正在重新分派",
    Status.MERGED: "已与同一事项合并办理",
}
# what staff read
STAFF_STATUS_LABELS = {
    Status.NEW: "待派单",
    Status.DISPATCHED: "待签收",
    Status.ACCEPTED: "已签收",
    Status.IN_PROGRESS: "办理中",
    Status.REPLIED: "已答复",
    Status.CLOSED: "已办结",
    Status.RETURNED: "已退单",
    Status.MERGED: "已并单",
}
OPEN_STATUSES = frozenset(set(Status) - {Status.CLOSED, Status.MERGED})
# waiting for a person to take it
UNCLAIMED_STATUSES = frozenset({Status.NEW, Status.DISPATCHED, Status.RETURNED})


class Role(StrEnum):
    DISPATCHER = "dispatcher"
    DEPARTMENT_STAFF = "department_staff"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.DISPATCHER: "派单员",
    Role.DEPARTMENT_STAFF: "承办人员",
    Role.SUPERVISOR: "督导",
    Role.ADMIN: "管理员",
}
# see and act on every case
OVERSEER_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


class DepartmentKind(StrEnum):
    DISPATCH = "dispatch"  # the dispatcher queue
    DISCIPLINE = "discipline"  # 纪检监察: staff-conduct complaints
    WORK_GROUP = "work_group"  # 片区工作组
    OFFICE = "office"  # a county office or bureau


RATING_LABELS = {Rating.SATISFIED: "满意", Rating.MOSTLY_SATISFIED: "基本满意", Rating.DISSATISFIED: "不满意"}


class Situation(StrEnum):
    ELDERLY = "elderly"
    ALONE_ELDERLY = "alone_elderly"
    DISABLED = "disabled"
    SERIOUSLY_ILL = "seriously_ill"
    OTHER = "other"


SITUATION_LABELS = {
    Situation.ELDERLY: "高龄老人",
    Situation.ALONE_ELDERLY: "孤寡或独居老人",
    Situation.DISABLED: "残疾",
    Situation.SERIOUSLY_ILL: "重病",
    Situation.OTHER: "其他困难",
}


class Service(StrEnum):
    MOVING = "moving"
    PACKING = "packing"
    PAPERWORK = "paperwork"
    HOME_VISIT = "home_visit"


SERVICE_LABELS = {
    Service.MOVING: "义务搬家",
    Service.PACKING: "帮忙打包",
    Service.PAPERWORK: "代办手续",
    Service.HOME_VISIT: "上门讲解政策",
}
