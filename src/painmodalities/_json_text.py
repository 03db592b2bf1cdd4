"""JSON input before it becomes values: the one text-input policy of the library.

:func:`read_json` decides whether an argument is JSON text or a path to a file, reads the
file, and applies the size, depth and repeated-key limits (:func:`parse_json`);
:func:`~painmodalities.from_json`, :func:`~painmodalities.load_catalog` and the FHIR
reader all read through it. The checks run on the raw bytes, in C-speed passes
(``bytes.translate``, ``split``, regular expressions), so that a hostile document is
refused before parsing work grows with it. A repeated key is found by comparing key
counts, and only then located by a slow second parse.
"""

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import orjson

from painmodalities.errors import Problem, ValidationError

__all__ = ["MAX_DEPTH", "MAX_DOCUMENT_BYTES", "is_json_text", "parse_json", "read_json"]

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
    # Two adjacent quotes are a string with none of ``[]{}:`` inside (or its end and the
    # next one's start: nothing lies between those either); removing them keeps every
    # other quote's parity, and most strings go, so the split below is short or not needed.
    kept = data.translate(None, _DROP).replace(b'""', b"")
    if b'"' not in kept:
        return kept
    return b"".join(kept.split(b'"')[::2])


def _too_deep(structure: bytes) -> bool:
    # A round removes the innermost pairs only, one level: each is first marked with a NUL
    # (so that ``{[]}`` does not lose both levels in one round), then the marks go.
    brackets = structure.replace(b":", b"")
    for _ in range(MAX_DEPTH):
        if not brackets:
            return False
        brackets = brackets.replace(b"[]", b"\0").replace(b"{}", b"\0").replace(b"\0", b"")
    return b"[]" in brackets or b"{}" in brackets


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
    exactly when a key is repeated. Outside strings a colon follows each key and nothing
    else, so the colons outside strings of the text and of the document written back by
    orjson are counted. ``structure`` is ``_outside_strings(data)`` if the caller has it.
    """
    if structure is None:
        structure = _outside_strings(data)
    dumped = orjson.dumps(document)
    return structure.count(b":") != _outside_strings(dumped).count(b":")


def is_json_text(source: object) -> bool:
    """Whether ``source`` is JSON text rather than a path.

    JSON text is bytes, or a str that starts with ``{`` or ``[`` after white space.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        return True
    return isinstance(source, str) and source.lstrip()[:1] in ("{", "[")


def _unreadable(path: str, why: str) -> Problem:
    return Problem("$", "a readable catalog file", f"{path}: {why}", "file")


def read_json(
    source: object,
    *,
    unreadable: Callable[[str, str], Problem] = _unreadable,
    kinds: str = "a path or JSON text",
) -> object:
    """The JSON value of ``source``: JSON text (see :func:`is_json_text`) or a file's path.

    Every limit of :func:`parse_json` applies, and a file over :data:`MAX_DOCUMENT_BYTES` is
    refused before it is read. ``unreadable(path, why)`` words the problem of a file that
    cannot be read; ``kinds`` what ``source`` may be.

    Raises:
        ValidationError: for anything else, a file that cannot be read, or text that is not
            JSON within the limits.
    """
    if is_json_text(source):
        return parse_json(source)  # type: ignore[arg-type]
    if not isinstance(source, str | os.PathLike):
        raise _problem(kinds, type(source).__name__)
    path = Path(source)
    try:
        size = path.stat().st_size
        data = b"" if size > MAX_DOCUMENT_BYTES else path.read_bytes()
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        why = getattr(error, "strerror", None) or str(error)
        raise ValidationError(unreadable(os.fspath(source), why)) from None
    if size > MAX_DOCUMENT_BYTES:
        raise _problem(f"a document of at most {MAX_DOCUMENT_BYTES} bytes", size, "size")
    return parse_json(data)
