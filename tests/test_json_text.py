"""JSON text reading (parse_json): repeated keys are refused, strings are only text.

The depth and size limits are tested through from_json in test_serialization.py.
"""

import orjson
import pytest

from painmodalities import ValidationError
from painmodalities.serialization import parse_json


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
