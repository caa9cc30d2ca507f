"""A mistyped address: a resident's browser gets a Chinese page with links to the pages that exist; the API keeps
its JSON error, a missing static file and the staff desk their own answers."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


async def test_a_mistyped_page_links_to_the_pages_that_exist(client: TestClient) -> None:
    response = await client.get("/chta", headers=HTML)
    assert response.status == 404
    assert response.content_type == "text/html"
    page = await response.text()
    assert "没有找到这个页面" in page
    for href in ('href="/chat"', 'href="/calc"', 'href="/stats"'):
        assert href in page
    assert "Not Found" not in page


async def test_the_api_static_files_and_staff_keep_their_own_404(client: TestClient) -> None:
    api = await client.get("/api/nothing", headers=HTML)
    assert api.status == 404 and (await api.json())["error"] == "页面不存在。"
    static = await client.get("/static/nothing.js", headers=HTML)
    assert static.status == 404 and "没有找到这个页面" not in await static.text()
    staff = await client.get("/staff/nothing", headers=HTML, allow_redirects=False)
    assert "没有找到这个页面" not in await staff.text()
