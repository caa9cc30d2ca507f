"""The ledger's choices and how the template spells them."""

from __future__ import annotations

from enum import StrEnum

from bot.compensation.model import Use


class Option(StrEnum):
    CASH = "cash"  # 货币补偿
    EXCHANGE = "exchange"  # 产权调换


class AgreementStatus(StrEnum):
    UNSIGNED = "unsigned"
    SIGNED = "signed"


OPTION_LABELS = {Option.CASH: "货币补偿", Option.EXCHANGE: "产权调换"}
STATUS_LABELS = {AgreementStatus.UNSIGNED: "未签约", AgreementStatus.SIGNED: "已签约"}
USE_BY_LABEL = {use.label: use for use in Use}
OPTION_BY_LABEL = {label: option for option, label in OPTION_LABELS.items()}
STATUS_BY_LABEL = {label: status for status, label in STATUS_LABELS.items()}
