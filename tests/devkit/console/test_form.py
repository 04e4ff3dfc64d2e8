"""A modal's inputs as questions: typed answers become the state values Slack submits, or a problem."""

from __future__ import annotations

import pytest

from devkit.console.form import Problem, answer, questions


def opt(label: str, value: str) -> dict:
    return {"text": {"type": "plain_text", "text": label}, "value": value}


def view(*elements: dict, optional: bool = False) -> dict:
    blocks = [
        {
            "type": "input",
            "block_id": f"b{i}",
            "optional": optional,
            "label": {"type": "plain_text", "text": f"Field {i}"},
            "element": {"action_id": "value", **el},
        }
        for i, el in enumerate(elements)
    ]
    return {
        "type": "modal",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}, *blocks],
    }


def one(element: dict, typed: str, *, optional: bool = False) -> dict:
    [q] = questions(view(element, optional=optional))
    return answer(q, typed)


def test_questions_follow_the_input_blocks() -> None:
    qs = questions(view({"type": "plain_text_input"}, {"type": "number_input", "min_value": "1"}))
    assert [(q.block_id, q.action_id, q.label, q.kind) for q in qs] == [
        ("b0", "value", "Field 0", "plain_text_input"),
        ("b1", "value", "Field 1", "number_input"),
    ]
    assert qs[1].prompt() == "  Field 1 [number, 1 to …]: "


def test_text_and_numbers() -> None:
    assert one({"type": "plain_text_input"}, " Q2 campaign ") == {
        "type": "plain_text_input",
        "value": "Q2 campaign",
    }
    with pytest.raises(Problem, match="at least 5 characters"):
        one({"type": "plain_text_input", "min_length": 5}, "no")
    number = {"type": "number_input", "is_decimal_allowed": True, "min_value": "0", "max_value": "500"}
    assert one(number, "120.50") == {"type": "number_input", "value": "120.50"}
    for typed, problem in [
        ("abc", "not a number"),
        ("NaN", "not a number"),
        ("501", "at most 500"),
        ("-1", "at least 0"),
    ]:
        with pytest.raises(Problem, match=problem):
            one(number, typed)
    with pytest.raises(Problem, match="whole number"):
        one({"type": "number_input", "is_decimal_allowed": False}, "1.5")


def test_choices_by_number_label_value_or_prefix() -> None:
    select = {"type": "static_select", "options": [opt("Card / PayPal", "credit_paypal"), opt("ACH", "ach")]}
    for typed in ("1", "card / paypal", "credit_paypal", "Card"):
        assert one(select, typed)["selected_option"]["value"] == "credit_paypal"
    with pytest.raises(Problem, match=r"'wire' is not one of the choices: 1\) Card / PayPal, 2\) ACH"):
        one(select, "wire")
    boxes = {"type": "checkboxes", "options": [opt("E-mail", "mail"), opt("Slack", "slack")]}
    assert [o["value"] for o in one(boxes, "2, e-mail")["selected_options"]] == ["slack", "mail"]
    assert one(boxes, "none") == {"type": "checkboxes", "selected_options": []}
    radio = {"type": "radio_buttons", "options": [opt("On", "on"), opt("Off", "off")]}
    assert one(radio, "off")["selected_option"] == opt("Off", "off")


def test_blank_keeps_the_initial_value_skips_optional_and_refuses_required() -> None:
    assert one({"type": "number_input", "initial_value": "100.00"}, "") == {
        "type": "number_input",
        "value": "100.00",
    }
    radio = {"type": "radio_buttons", "options": [opt("On", "on")], "initial_option": opt("On", "on")}
    assert one(radio, "")["selected_option"] == opt("On", "on")
    assert one({"type": "plain_text_input"}, "", optional=True) == {"type": "plain_text_input", "value": None}
    assert (
        one({"type": "static_select", "options": [opt("A", "a")]}, " ", optional=True)["selected_option"]
        is None
    )
    with pytest.raises(Problem, match="required"):
        one({"type": "plain_text_input"}, "")


def test_dates_people_and_channels() -> None:
    assert one({"type": "datepicker"}, "2025-03-01") == {"type": "datepicker", "selected_date": "2025-03-01"}
    with pytest.raises(Problem, match="YYYY-MM-DD"):
        one({"type": "datepicker"}, "March 1")
    assert one({"type": "timepicker"}, "09:30")["selected_time"] == "09:30"
    assert one({"type": "users_select"}, "fiona") == {"type": "users_select", "selected_user": "U0FIN2"}
    assert one({"type": "channels_select"}, "#audit") == {
        "type": "channels_select",
        "selected_channel": "C0AUDIT",
    }
    with pytest.raises(Problem, match="cannot fill"):
        one({"type": "file_input"}, "x.csv")
