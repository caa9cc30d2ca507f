"""The county's projects (params.yaml `projects`): the sample county's, the default without the section, and a section
that cannot be right refused with the entry named; names masked as published; a results link's token good only
for its resident, its project and its hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.households.projects import ProjectsError, load_projects
from bot.households.result_links import ResultLinks
from bot.households.results import mask_name
from tests.households.ledger_files import PARAMS
from tests.households.sunshine import TWO_PROJECTS

NOW = datetime(2026, 9, 15, 9, 0, tzinfo=UTC)


def test_the_sample_county_has_one_project_of_its_four_districts() -> None:
    projects = load_projects(PARAMS)
    assert [(p.id, p.name, p.districts) for p in projects.all] == [
        ("chengguan", PARAMS["programme"]["project"], ("dongguan", "xijie", "nanhe", "beishan"))
    ]
    two = load_projects(TWO_PROJECTS)
    assert two.of_district("beishan").id == "nanhe" and two.of_district("xijie").id == "chengguan"
    assert two.get("nowhere") is None and two.of_district("nowhere") is None


def test_without_the_section_the_programme_is_the_one_project() -> None:
    params = {k: v for k, v in PARAMS.items() if k != "projects"}
    (only,) = load_projects(params).all
    assert only.name == PARAMS["programme"]["project"] and len(only.districts) == len(PARAMS["districts"])


@pytest.mark.parametrize(
    ("projects", "said"),
    [
        ([], "非空的列表"),
        ([{"id": "Bad Id", "name": "甲", "districts": ["dongguan"]}], "id 应为"),
        ([{"id": "a", "name": "甲", "districts": ["nowhere"]}], "片区 nowhere 不在 districts 中"),
        (
            [{"id": "a", "name": "甲", "districts": ["dongguan"]}, {"id": "a", "name": "乙", "districts": ["xijie"]}],
            "重复",
        ),
        (
            [
                {"id": "a", "name": "甲", "districts": ["dongguan"]},
                {"id": "b", "name": "乙", "districts": ["dongguan"]},
            ],
            "已属于项目 a",
        ),
        ([{"id": "a", "name": " ", "districts": ["dongguan"]}], "缺少项目名称"),
    ],
)
def test_a_section_that_cannot_be_right_is_refused(projects: list, said: str) -> None:
    with pytest.raises(ProjectsError, match=said):
        load_projects({**PARAMS, "projects": projects})


def test_names_are_masked_after_their_first_character() -> None:
    assert mask_name("张", 3) == "张**"
    assert mask_name("欧", 4) == "欧***"
    assert mask_name("李", 1) == "李"
    assert mask_name("", 0) == ""


def test_a_link_token_is_for_its_resident_project_and_hour() -> None:
    links = ResultLinks("a county secret")
    token = links.issue(42, "chengguan", NOW)
    assert links.verify(token, "chengguan", NOW + timedelta(minutes=59)) == 42
    assert links.verify(token, "chengguan", NOW + timedelta(minutes=60)) is None  # expired
    assert links.verify(token, "nanhe", NOW) is None  # another project's page
    resident, expires, tag = token.split(".")
    assert links.verify(f"43.{expires}.{tag}", "chengguan", NOW) is None  # another resident
    assert links.verify(f"{resident}.{int(expires) + 3600}.{tag}", "chengguan", NOW) is None  # a longer life
    assert ResultLinks("another secret").verify(token, "chengguan", NOW) is None
    for junk in ("", "42", "a.b.c", token + "x", token.replace(".", "..")):
        assert links.verify(junk, "chengguan", NOW) is None
