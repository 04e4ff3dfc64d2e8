"""One definition of a Telnyx id: a whole UUID for commands and buttons, every UUID in a message's text."""

from __future__ import annotations

import pytest

from bot.uuids import is_uuid, uuids_in

ID = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"


@pytest.mark.parametrize("text", [ID, ID.upper(), "48EFF763-ea80-4345-8c5b-2f1a0e8d9c01"])
def test_a_uuid_in_either_case_is_an_id(text: str) -> None:
    assert is_uuid(text)


@pytest.mark.parametrize(
    "text", ["", "nope", ID[:-1], ID + "0", " " + ID, ID.replace("-", ""), ID.replace("c", "g", 1)]
)
def test_anything_else_is_not(text: str) -> None:
    assert not is_uuid(text)


def test_the_uuids_in_a_text_are_found_in_order_as_written() -> None:
    other = ID.upper()
    text = f"Webhook {ID} failed; see <https://portal.telnyx.com/x/{other}|here> and {ID}, not x{ID}0."
    assert uuids_in(text) == [ID, other, ID]
    assert uuids_in("no ids here") == []
