"""Expropriation projects (征收项目): which of the ledger's districts belong to which project, from the county's
parameter file (knowledge/params.yaml `projects`). The per-household results (条例第二十九条) are published per
project, to the residents of that project's scope; whether and when is recorded in bot/households/publications.py.

Without a `projects` section, the county has one project: `programme.project`, made of every district."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_ID = "main"
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


class ProjectsError(ValueError):
    """The `projects` section of the parameter file is inconsistent (said in Chinese, naming the entry)."""


@dataclass(frozen=True)
class Project:
    id: str  # in addresses: /results/<id>
    name: str
    districts: tuple[str, ...]  # district ids of `districts`


@dataclass(frozen=True)
class Projects:
    all: tuple[Project, ...]
    district_names: Mapping[str, str]  # id → 东关片区

    def get(self, project_id: str) -> Project | None:
        return next((p for p in self.all if p.id == project_id), None)

    def of_district(self, district: str) -> Project | None:
        return next((p for p in self.all if district in p.districts), None)


def load_projects(params: Mapping[str, Any]) -> Projects:
    """The projects of `params`, checked: ids unique and address-safe, districts known, none in two projects."""
    names = {str(d["id"]): str(d["name"]) for d in params.get("districts") or ()}
    raw = params.get("projects")
    if raw is None:
        programme = params.get("programme") or {}
        title = str(programme.get("project") or "征收项目")
        return Projects((Project(DEFAULT_ID, title, tuple(names)),), names)
    if not isinstance(raw, list) or not raw:
        raise ProjectsError("params.yaml 的 projects 应当是非空的列表（每个项目：id、name、districts）")
    projects: list[Project] = []
    owner: dict[str, str] = {}
    for n, entry in enumerate(raw):
        where = f"params.yaml projects 第 {n + 1} 项"
        if not isinstance(entry, dict):
            raise ProjectsError(f"{where}：应当有 id、name、districts")
        pid, name, districts = entry.get("id"), entry.get("name"), entry.get("districts")
        if not isinstance(pid, str) or not ID_PATTERN.fullmatch(pid):
            raise ProjectsError(f"{where}：id 应为 1–32 位小写字母、数字、- 或 _")
        if any(p.id == pid for p in projects):
            raise ProjectsError(f"{where}：id {pid} 重复")
        if not isinstance(name, str) or not name.strip():
            raise ProjectsError(f"{where}：缺少项目名称 name")
        if not isinstance(districts, list) or not districts:
            raise ProjectsError(f"{where}：districts 应为片区 id 的列表")
        for district in districts:
            if district not in names:
                raise ProjectsError(f"{where}：片区 {district} 不在 districts 中")
            if district in owner:
                raise ProjectsError(f"{where}：片区 {district} 已属于项目 {owner[district]}")
            owner[district] = pid
        projects.append(Project(pid, name.strip(), tuple(str(d) for d in districts)))
    return Projects(tuple(projects), names)
