"""JSON text before it becomes values: size, depth and repeated-key limits, then parsing.

These checks run on the raw bytes, in C-speed passes (``bytes.translate``, ``split``,
regular expressions), so that a hostile document is refused before parsing work grows
with it. A repeated key is found by comparing key counts, and only then located by a
slow second parse. (The fast catalog reader parses first and relies on the shape of a
catalog for the depth, and on :func:`repeats_a_key`; see ``serialization``.)
"""

import json
import re
from typing import Any, Final

import orjson

from painmodalities.errors import Problem, ValidationError

__all__ = ["MAX_DEPTH", "MAX_DOCUMENT_BYTES", "parse_json"]

#: Documents larger than this many bytes are refused before parsing.
MAX_DOCUMENT_BYTES: Final = 64 * 1024 * 1024
#: Documents nested deeper than this many arrays and objects are refused.
MAX_DEPTH: Final = 32


def _problem(expected: str, value: object, rule: str = "type") -> ValidationError:
    return ValidationError(Problem("$", expected, value, rule))


# Both checks run at C speed on the bytes, with no Python loop over the document:
# - depth: escaped backslashes and quotes are removed, every byte but ``"[]{}:`` deleted,
#   and the text split at quotes; the even parts are what lies outside strings. Removing
#   the innermost ``[]`` and ``{}`` pairs lowers the depth by one per round, so
#   MAX_DEPTH rounds tell whether the document nests deeper (for text that is not JSON the
#   answer does not matter: orjson refuses it, within its own depth limit).
# - repeated keys: outside strings, a colon follows each key and nothing else, so the
#   colons of the text count its keys. orjson keeps only the last of a repeated key, so the
#   parsed document written back (by orjson, in C) has fewer keys exactly when a key was
#   repeated. Only then is the text parsed again, slowly, to find where.

_KEEP = b'"[]{}:'
_DROP = bytes(byte for byte in range(256) if byte not in _KEEP)


def _outside_strings(data: bytes) -> bytes:
    """The bytes ``[]{}:`` of ``data`` that lie outside its JSON strings, in order."""
    if b"\\" in data:  # escapes are rare; without one, skip two passes over the text
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    kept = data.translate(None, _DROP)
    return b"".join(kept.split(b'"')[::2])


_INNERMOST = re.compile(rb"\[\]|\{\}")


def _too_deep(structure: bytes) -> bool:
    # One pass removes the innermost pairs only (matches never overlap), one level a round.
    brackets = structure.replace(b":", b"")
    for _ in range(MAX_DEPTH):
        if not brackets:
            return False
        brackets = _INNERMOST.sub(b"", brackets)
    return _INNERMOST.search(brackets) is not None


class _Pairs(list[tuple[str, Any]]):
    """An object's key-value pairs as the text gave them (only to find a repeated key)."""


def _find_repeated(value: object, path: str) -> Problem | None:
    if isinstance(value, _Pairs):
        seen: set[str] = set()
        for key, item in value:
            if key in seen:
                return Problem(f"{path}.{key}", "each key once in an object", key, "repeated_key")
            seen.add(key)
            found = _find_repeated(item, f"{path}.{key}")
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _find_repeated(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def _repeated_key(data: bytes) -> ValidationError:
    """The error for the first repeated key of ``data`` (parsed again, slowly: rare)."""
    document = json.loads(data, object_pairs_hook=_Pairs)
    found = _find_repeated(document, "$")
    return ValidationError(
        found or Problem("$", "each key once in an object", "a repeated key", "repeated_key")
    )


def parse_json(text: str | bytes) -> object:
    """Parse JSON text within the limits, as a :class:`ValidationError` on failure.

    Refuses, before parsing, text over :data:`MAX_DOCUMENT_BYTES` bytes or nested deeper than
    :data:`MAX_DEPTH`; after parsing, an object that repeats a key.
    """
    if isinstance(text, str):
        if len(text) > MAX_DOCUMENT_BYTES:
            raise _problem(f"a document of at most {MAX_DOCUMENT_BYTES} bytes", len(text), "size")
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise _problem("UTF-8 text", f"{error.reason} at {error.start}", "json") from None
    elif isinstance(text, bytes | bytearray | memoryview):
        data = bytes(text)
    else:
        raise _problem("JSON text (str or bytes)", type(text).__name__)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _problem(f"a document of at most {MAX_DOCUMENT_BYTES} bytes", len(data), "size")
    structure = _outside_strings(data)
    if _too_deep(structure):
        raise _problem(f"at most {MAX_DEPTH} nested arrays and objects", "deeper nesting", "depth")
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise _problem("valid JSON", str(error), "json") from None
    if repeats_a_key(data, document, structure):
        raise _repeated_key(data)
    return document


def repeats_a_key(data: bytes, document: object, structure: bytes | None = None) -> bool:
    """Whether the JSON text ``data``, parsed by orjson into ``document``, repeats a key.

    orjson keeps the last of a repeated key, so the document has fewer keys than the text
    exactly when a key is repeated. Three checks, cheapest first:

    - text that is exactly what orjson writes for the document (compact, or indented by
      two spaces as :func:`~painmodalities.to_json` writes it, with or without a final
      newline) has each key once, as orjson writes it;
    - without a backslash in ``data`` every colon in a string is literal and written back
      as it was, so the text and the document written back have as many colons unless a
      key (its colon, and its value's colons) was dropped;
    - otherwise the colons outside strings, which follow keys and nothing else, are counted
      in both. ``structure`` is ``_outside_strings(data)`` if the caller has it.
    """
    indented = data[1:2] == b"\n"
    dumped = orjson.dumps(document, option=orjson.OPT_INDENT_2 if indented else 0)
    extra = len(data) - len(dumped)
    if (extra == 0 or (extra == 1 and data.endswith(b"\n"))) and data.startswith(dumped):
        return False
    if b"\\" not in data:
        return data.count(b":") != dumped.count(b":")
    if structure is None:
        structure = _outside_strings(data)
    return structure.count(b":") != _outside_strings(dumped).count(b":")
