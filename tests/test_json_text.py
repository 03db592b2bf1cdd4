"""JSON text reading (parse_json): repeated keys are refused, strings are only text.

The depth and size limits are tested through from_json in test_serialization.py.
"""

import json
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from painmodalities import ValidationError, _json_text
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


# -- the byte passes against a plain scanner ------------------------------------------------

#: Strings made of the characters the byte passes treat specially.
_TRICKY = st.text(alphabet='"\\:[]{}, ab\n', max_size=12)
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10) | _TRICKY,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TRICKY, inner, max_size=4),
    max_leaves=30,
)


def _scanned(data: bytes) -> tuple[bytes, int]:
    """The bytes ``[]{}:`` outside strings and the nesting depth, by a plain scanner."""
    kept = bytearray()
    depth = deepest = 0
    inside = escaped = False
    for byte in data:
        char = chr(byte)
        if inside:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                inside = False
        elif char == '"':
            inside = True
        elif char in "[]{}:":
            kept.append(byte)
            depth += 1 if char in "[{" else -1 if char in "]}" else 0
            deepest = max(deepest, depth)
    return bytes(kept), deepest


@given(_JSON_VALUES, st.sampled_from([0, orjson.OPT_INDENT_2]))
def test_the_byte_passes_agree_with_a_plain_scanner(value: object, option: int) -> None:
    """What lies outside strings, and whether the text nests too deep, as a scanner says."""
    for text in (orjson.dumps(value, option=option), json.dumps(value).encode()):
        outside, deepest = _scanned(text)
        assert _json_text._outside_strings(text) == outside
        assert _json_text._too_deep(outside) == (deepest > MAX_DEPTH)


@given(st.integers(1, 2 * MAX_DEPTH), st.randoms(use_true_random=False))
def test_the_depth_pass_counts_levels_of_mixed_brackets(levels: int, random: Any) -> None:
    """Arrays and objects nested ``levels`` deep, with siblings, are too deep past the limit."""
    value: object = []
    for _ in range(levels - 1):
        value = [value, []] if random.random() < 0.5 else {"k": value, "s": {}}
    outside, deepest = _scanned(orjson.dumps(value))
    assert deepest == levels
    assert _json_text._too_deep(outside) == (levels > MAX_DEPTH)
