"""Button ids are built and read by one codec: what a handler builds, the router and the flows read back."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.button_ids import button_id, parse_button

fields = st.text(st.characters(blacklist_characters=":"), max_size=12)


@given(st.lists(fields, min_size=1, max_size=4))
def test_a_built_id_reads_back_as_its_fields(parts: list[str]) -> None:
    assert parse_button(button_id(*parts), len(parts)) == tuple(parts)


@given(st.text(max_size=30))
def test_the_last_field_keeps_the_rest_and_missing_fields_are_empty(value: str) -> None:
    kind, _, rest = value.partition(":")
    assert parse_button(value) == (kind, rest)
    name, _, arg = rest.partition(":")
    assert parse_button(value, 3) == (kind, name, arg)


def test_examples() -> None:
    assert button_id("rate", "AJ-2026-000123", 3) == "rate:AJ-2026-000123:3"
    assert parse_button("fb:1:comp.scope", 3) == ("fb", "1", "comp.scope")
    assert parse_button("menu") == ("menu", "")
