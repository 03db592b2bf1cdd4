"""JSON text reading (parse_json): repeated keys are refused, strings are only text, and the
depth limit counts levels of arrays and objects.

The depth and size limits are tested through from_json in test_serialization.py.
"""

import json
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from painmodalities import ValidationError
from painmodalities.serialization import MAX_DEPTH, parse_json


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('{"a":1,"a":2}', "$.a"),
        ('{"a":{"b":[{"c":1,"c":1}]}}', "$.a.b[0].c"),
        ('[{"x":"\\":","x":0}]', "$[0].x"),
        ('{"a" : 1 , "b":{}, "a" : 1}', "$.a"),
    ],
)
def test_repeated_keys_are_refused_with_their_path(text: str, path: str) -> None:
    """An object that repeats a key is refused (orjson alone would keep the last value)."""
    with pytest.raises(ValidationError) as caught:
        parse_json(text)
    assert caught.value.path == path
    assert caught.value.rule == "repeated_key"


@pytest.mark.parametrize(
    "text",
    [
        '{"a:":1,"b":"::"}',
        '{"\\"a\\":":{"b\\\\":":"}}',
        '["{\\"a\\":1,\\"a\\":2}"]',
        '{"":1,":":[":",{"::":":"}]}',
        '{"a" :\n "]]]]", "b\\\\" : "\\u0022:"}',
    ],
)
def test_colons_and_quotes_inside_strings_are_not_repeated_keys(text: str) -> None:
    """Keys and strings that contain colons, quotes or backslashes parse as usual."""
    assert parse_json(text) == orjson.loads(text)


# -- the depth limit, on the parsed value ----------------------------------------------------


@given(st.integers(1, 2 * MAX_DEPTH), st.randoms(use_true_random=False))
def test_the_depth_limit_counts_levels_of_mixed_brackets(levels: int, random: Any) -> None:
    """Arrays and objects nested ``levels`` deep, with siblings, are too deep past the limit."""
    value: object = []
    for _ in range(levels - 1):
        value = [value, []] if random.random() < 0.5 else {"k": value, "s": {}}
    text = orjson.dumps(value)
    if levels > MAX_DEPTH:
        with pytest.raises(ValidationError) as caught:
            parse_json(text)
        assert caught.value.rule == "depth"
    else:
        assert parse_json(text) == value


# -- orjson's reading is kept only where the standard library reads the same ---------------

#: Any JSON value within the depth limit: whole numbers of any size, floats, text with colons.
_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.sampled_from('a:é"\\\n\u2028 {}[],')),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.sampled_from("ab:é "), max_size=3), inner, max_size=4)
    ),
    max_leaves=12,
)

#: The ways a document may be written: as ours are (compact, indented) and otherwise.
_WRITERS = (
    lambda value: json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode(),
    lambda value: json.dumps(value, indent=2, ensure_ascii=False).encode() + b"\n",
    lambda value: json.dumps(value).encode(),
    lambda value: json.dumps(value, indent=1, ensure_ascii=True).encode(),
)


def _strictly(value: object) -> object:
    """``value`` with the type of every number kept (``1`` is not ``1.0``)."""
    if isinstance(value, dict):
        return [(key, _strictly(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [_strictly(item) for item in value]
    return (type(value).__name__, repr(value))


@given(_VALUES, st.sampled_from(_WRITERS))
def test_a_value_reads_as_the_standard_library_reads_it(value: object, write: Any) -> None:
    """Whoever wrote the text, parse_json reads what json.loads reads, type for type:
    whole numbers beyond 64 bits stay exact.
    """
    text = write(value)
    assert _strictly(parse_json(text)) == _strictly(json.loads(text))


@given(
    st.dictionaries(st.text(max_size=3), _VALUES, min_size=1), _VALUES, st.sampled_from(_WRITERS)
)
def test_a_repeated_key_is_refused_however_the_text_is_written(
    value: dict[str, object], again: object, write: Any
) -> None:
    """An object that gives its first key a second time is refused, whatever the values."""
    first = next(iter(value))
    text = write(value)
    text = text[: text.rindex(b"}")] + b"," + write({first: again}).strip()[1:]
    with pytest.raises(ValidationError) as caught:
        parse_json(text)
    assert caught.value.rule == "repeated_key"


@pytest.mark.parametrize(
    "text",
    [
        "[18446744073709551616, -9223372036854775809]",
        '{"a":1,"a":2,"b":"\\u003a"}',
        '{\n  "a": 1,\n  "a": 2\n}',
        "[" * MAX_DEPTH + "0" + "]" * MAX_DEPTH,
    ],
    ids=["whole_numbers_beyond_64_bits", "escaped_colon", "indented_repeat", "deepest_allowed"],
)
def test_texts_orjson_reads_otherwise_are_read_as_the_standard_library_does(
    text: str | bytes,
) -> None:
    """Where orjson's value would differ (a float for a big whole number, the last value of a
    repeated key), the text is read as the standard library reads it, within the limits.
    """
    try:
        expected: object = json.loads(text, object_pairs_hook=_refuse_repeats)
    except _RepeatedError:
        with pytest.raises(ValidationError) as caught:
            parse_json(text)
        assert (caught.value.path, caught.value.rule) == ("$.a", "repeated_key")
        return
    assert _strictly(parse_json(text)) == _strictly(expected)


class _RepeatedError(Exception):
    """A repeated key, as the standard library's hook sees it."""


def _refuse_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len(dict(pairs)) < len(pairs):
        raise _RepeatedError
    return dict(pairs)
