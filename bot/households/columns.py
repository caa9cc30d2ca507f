"""The template's columns: header, whether required, and how the 说明 sheet explains them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    note: str


COLUMNS = (
    Column("household_no", "户号", True, "每户唯一；再次导入时按户号更新"),
    Column("district", "片区", True, "东关片区、西街片区、南河片区、北山片区之一（见 knowledge/params.yaml）"),
    Column("address", "地址", True, "被征收房屋坐落"),
    Column("head_name", "户主姓名", True, ""),
    Column("id_number", "户主身份证号", True, "18 位；系统只保存加密摘要和后 4 位"),
    Column("phones", "联系电话", False, "手机号或带区号的固定电话，多个用“；”分开"),
    Column("legal_area", "合法建筑面积（㎡）", True, "产权证或登记的面积，大于 0"),
    Column("recognised_area", "认定面积（㎡）", False, "未登记建筑经调查认定为合法的面积"),
    Column("use", "用途", True, "住宅、经营用房或商住混合"),
    Column("assessed_value", "评估价值（元）", False, "评估报告中的被征收房屋价值"),
    Column("appraisal_report_no", "评估报告编号", False, "填写评估价值时必填"),
    Column("decoration_value", "装修评估（元）", False, "装饰装修及附属物评估金额"),
    Column("chosen_option", "补偿方式", False, "货币补偿或产权调换；已签约时必填"),
    Column("agreement_status", "协议状态", True, "未签约或已签约"),
    Column("agreement_date", "签约日期", False, "已签约时必填，如 2026-03-15"),
    Column("selection_no", "选房号", False, ""),
    Column("selection_date", "选房日期", False, ""),
    Column("handover_date", "交房日期", False, ""),
    Column("compensation_paid", "已付补偿款（元）", False, "已经支付的补偿款合计"),
    Column("transition_payments", "已付过渡费（按月）", False, "如 2026-01:1500；2026-02:1500（月份:金额）"),
)
BY_KEY = {c.key: c for c in COLUMNS}
_SUFFIX = re.compile(r"[（(].*[)）]$")


def header_key(cell: object) -> str:
    """A header cell as the template spells it: full-width/half-width and spaces evened out, a unit optional."""
    return _SUFFIX.sub("", re.sub(r"\s", "", unicodedata.normalize("NFKC", str(cell or "")))).lstrip("\ufeff")


HEADER_INDEX = {header_key(c.header): c for c in COLUMNS}
