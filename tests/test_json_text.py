"""JSON text reading (parse_json): repeated keys are refused, strings are only text, and the
depth limit counts levels of arrays and objects.

The depth and size limits are tested through from_json in test_serialization.py.
"""

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
