"""`python -m bot calc …`: a resident's compensation estimate from the command line (text table or --json).

Exit codes: 0 estimate printed; 1 the parameter file (or the settings) is invalid or missing; 2 bad input (a
Chinese message on stderr). The parameter file defaults to `params.yaml` in the settings' knowledge_dir
(ANJU_KNOWLEDGE_DIR). Like the chat and /calc, the estimate is made for today in Beijing time (`--as-of` another
day): reward tiers already over are not offered and a sign date before that day is refused — unless
`--allow-past-sign-date` (staff recomputing an agreement already signed: the tier of that day counts).
`python -m bot calc …` registers `add_parser`; `python -m bot.compensation.cli calc …` works on its own too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NoReturn

from bot.cases.workdays import local_day
from bot.compensation.engine import estimate
from bot.compensation.errors import InputError, ParamsError
from bot.compensation.fields import FIELDS
from bot.compensation.intake import household_from_fields
from bot.compensation.params import load_params
from bot.compensation.quantity import parse_date
from bot.compensation.report import estimate_to_json, render_text
from bot.settings import Settings, SettingsError

# the help of each field's option (--area, --business-area …: the names of bot.compensation.fields, with dashes)
_HELP = {
    "area": "建筑面积（房产证面积），如 85、85.5平方米、八十五平",
    "district": "所在片区：id 或中文名，如 dongguan、东关片区",
    "use": "房屋用途：residential 住宅 / business 经营 / mixed 商住混合（默认住宅）",
    "business_area": "经营面积（商住混合时必填）",
    "decoration": "装修档次：none 无装修 / simple 简易 / standard 普通 / fine 精装修",
    "decoration_amount": "装修及附属物评估金额（元），与 --decoration 二选一",
    "assessed_price": "评估单价（元/平方米），有评估报告时填写",
    "floor": "所在楼层，如 3 或 三楼（用参考价估算时作楼层调整）",
    "orientation": "朝向，如 朝南（用参考价估算时作朝向调整）",
    "unregistered_area": "经调查认定的未登记建筑面积",
    "exchange_area": "产权调换选择的安置房面积（默认与建筑面积相同）",
    "sign_date": "签约日期 YYYY-MM-DD",
    "monthly_profit": "月净利润（元），方案按月净利润计算停产停业损失时填写",
}


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the `calc` sub-command; values stay text and are parsed (with Chinese messages) in `run`."""
    parser = subparsers.add_parser(
        "calc",
        help="估算征收补偿（货币补偿与产权调换逐项对比）",
        description="按县征收补偿方案参数，逐项估算货币补偿与产权调换两种方式的补偿。结果仅供参考。",
    )
    parser.error = _error  # type: ignore[method-assign]
    for field in FIELDS:
        parser.add_argument("--" + field.name.replace("_", "-"), metavar="值", help=_HELP[field.name])
    parser.add_argument(
        "--as-of",
        metavar="日期",
        help="按哪一天估算（YYYY-MM-DD，默认今天，北京时间）：已截止的签约奖励档次不再计入，签约日期不能早于这一天",
    )
    parser.add_argument(
        "--allow-past-sign-date",
        action="store_true",
        help="工作人员核算已签的协议：签约日期可以早于今天，按签约那天所在的档次计签约奖励",
    )
    parser.add_argument("--json", action="store_true", help="输出 JSON（格式见 docs/compensation.md）")
    parser.add_argument(
        "--params", metavar="PATH", help="参数文件（默认：知识库目录 ANJU_KNOWLEDGE_DIR 下的 params.yaml）"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the estimate; 0 ok, 1 invalid parameter file, 2 bad input."""
    try:
        params = load_params(args.params or default_params_path())
    except (ParamsError, SettingsError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    fields = {field.name: getattr(args, field.name) for field in FIELDS}
    try:
        day = None if args.allow_past_sign_date else _as_of(args.as_of)
        params = params.on(day)
        result = estimate(household_from_fields(fields, params), params)
    except InputError as exc:
        print(f"输入有误：{exc}", file=sys.stderr)
        return 2
    _emit(json.dumps(estimate_to_json(result), ensure_ascii=False, indent=2) if args.json else render_text(result))
    return 0


def _as_of(text: str | None) -> date:
    """The day given with --as-of, or today in Beijing time."""
    if text is None:
        return local_day(datetime.now(UTC))
    return parse_date(text, "估算日期（--as-of）")


def default_params_path() -> Path:
    """The parameter file the bot itself reads: `params.yaml` in the settings' knowledge_dir."""
    return Settings.from_env().knowledge_dir / "params.yaml"


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry: `python -m bot.compensation.cli calc --area 85 --district 东关片区`."""
    parser = argparse.ArgumentParser(prog="python -m bot.compensation.cli", description="安居助手：补偿估算")
    parser.error = _error  # type: ignore[method-assign]
    add_parser(parser.add_subparsers(dest="command", required=True, metavar="calc"))
    args = parser.parse_args(argv)
    return int(args.func(args))


def _emit(text: str) -> None:
    try:
        print(text, flush=True)
    except BrokenPipeError:  # the reader went away (`| head`): silence the rest instead of a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _error(message: str) -> NoReturn:
    """argparse's own errors (unknown option, missing value) in Chinese, exit 2."""
    print(
        f"命令参数有误：{message}\n用法：python -m bot calc --area 85 --district 东关片区 [--json]；详见 --help",
        file=sys.stderr,
    )
    raise SystemExit(2)


if __name__ == "__main__":
    sys.exit(main())
