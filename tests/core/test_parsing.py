"""The /telnyx argument parser: examples, and properties over any text (usage errors read through
formatting/help.py's words)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.parsing import MAX_INPUT, Parsed, UsageError, parse
from formatting.help import usage_problem_text


def problem(text: str) -> str:
    got = parse(text)
    assert isinstance(got, UsageError)
    return usage_problem_text(got)


def test_subcommand_args_and_options():
    got = parse("usage messaging last-7-days status=failed direction=outbound")
    assert got == Parsed("usage", ("messaging", "last-7-days"), {"status": "failed", "direction": "outbound"})


def test_quoted_values_keep_spaces_and_options_take_quoted_values():
    assert parse('topup 120.00 "for the launch"') == Parsed("topup", ("120.00", "for the launch"))
    assert parse('topup 120 reason="big launch"').options == {"reason": "big launch"}
    assert parse("tags \u201cmy tag\u201d").args == ("my tag",)


def test_quoted_key_value_is_an_argument_not_an_option():
    assert parse('tags "a=b"') == Parsed("tags", ("a=b",))


def test_subcommand_is_lower_cased_and_empty_text_is_help():
    assert parse("  BALANCE ") == Parsed("balance")
    assert parse("") == Parsed("")


def test_usage_errors_say_what_was_wrong():
    assert "never closed" in problem('topup 5 "oops')
    assert "given twice" in problem("usage messaging status=a status=b")
    assert "no value" in problem("usage messaging status=")
    assert "subcommand" in problem("status=failed")
    assert "characters long" in problem("x" * (MAX_INPUT + 1))


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_command_or_a_usage_error(text):
    got = parse(text)
    assert isinstance(got, Parsed | UsageError)
    if isinstance(got, UsageError):
        assert usage_problem_text(got)
    else:
        assert got.name == got.name.lower()
        assert all(isinstance(a, str) for a in got.args)


words = st.text(
    alphabet=st.characters(categories=("L", "N"), include_characters="-_."), min_size=1, max_size=12
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(words, min_size=1, max_size=6),
    st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), words, max_size=4),
)
def test_round_trip_of_plain_words_and_options(args, options):
    text = " ".join([*args, *(f"{k}={v}" for k, v in options.items())])
    got = parse(text)
    plain = [a for a in args if "=" not in a]
    if not plain or "=" in args[0]:
        return  # options or nothing before the subcommand: covered by the examples above
    assert isinstance(got, Parsed)
    assert got.name == args[0].lower()
    assert got.options == {
        **{k.lower(): v for a in args if "=" in a for k, v in [a.split("=", 1)]},
        **options,
    }
