"""An explicit parameter dict for the compensation tests (same shape as knowledge/params.yaml).

The numbers were the 示例县 sample values when the worked examples in test_engine.py were written, and they are
fixed here: a county editing its file does not change what these tests expect. The county file has since moved
on (过渡期 28 months, unregistered lawful buildings at 100 %, first extra band 4,800 元/m²); the values kept here
still exercise every path of the engine (a recognition rate below 1 is what a plan may define for a category of
its own).
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

_PARAMS: dict[str, Any] = {
    "county": "测试县",
    "sample_notice": "（测试参数）",
    "plan": {
        "name": "《测试县征收补偿方案》",
        "clauses": {
            "valuation": "第五条",
            "monetary": "第七条",
            "exchange": "第八条",
            "exchange_price": "第九条",
            "relocation_fee": "第十条",
            "transition_fee": "第十一条",
            "business_loss": "第十二条",
            "decoration": "第十三条",
            "reward": "第十四条",
            "unregistered": "第十五条",
        },
    },
    "programme": {
        "decision_date": date(2026, 8, 15),
        "signing_start": date(2026, 9, 1),
        "signing_end": date(2026, 12, 31),
        "transition_months": 30,
        "resettlement_handover": "2028年12月底前",
    },
    "districts": [
        {"id": "dongguan", "name": "东关片区", "reference_price": 5200, "office": "东关片区征收工作组", "phone": "1"},
        {"id": "xijie", "name": "西街片区", "reference_price": 4900},
        {"id": "nanhe", "name": "南河片区", "reference_price": 4600},
        {"id": "beishan", "name": "北山片区", "reference_price": 4300},
    ],
    "compensation": {
        "relocation_fee": {"per_m2": 15, "min_per_household": 1500, "times_money": 1, "times_exchange": 2},
        "transition_fee": {"per_m2_month": 12, "min_area": 45, "money_lump_months": 6},
        "decoration_schedule": {"none": 0, "simple": 150, "standard": 300, "fine": 500},
        "decoration_labels": {"none": "无装修", "simple": "简易装修", "standard": "普通装修", "fine": "精装修"},
        "business_loss": {"method": "rate_of_value", "rate": 0.06},
        "floor_adjustment": {1: 0.03, 2: 0.02, 3: 0.01, 4: 0.0, 5: -0.01, 6: -0.02},
        "orientation_adjustment": [
            {"id": "south", "label": "朝南", "rate": 0.01},
            {"id": "east", "label": "朝东", "rate": 0.0},
            {"id": "west", "label": "朝西", "rate": 0.0},
            {"id": "north", "label": "朝北", "rate": -0.01},
        ],
        "signing_reward": [
            {"until": date(2026, 10, 15), "amount": 30000},
            {"until": date(2026, 11, 30), "amount": 20000},
            {"until": date(2026, 12, 31), "amount": 10000},
        ],
        "money_option_reward_rate": 0.10,
        "exchange": {
            "settlement_price": 4200,
            "extra_area_bands": [
                {"up_to": 10, "price": 3000, "label": "成本价"},
                {"up_to": None, "price": 5800, "label": "市场价"},
            ],
        },
        "unregistered_recognition_rate": 0.8,
    },
}


def sample_params_dict() -> dict[str, Any]:
    """A fresh deep copy: tests may change it freely."""
    return copy.deepcopy(_PARAMS)
