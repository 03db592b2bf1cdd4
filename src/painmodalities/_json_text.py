"""JSON input before it becomes values: the one text-input policy of the library.

:func:`read_json` decides whether an argument is JSON text or a path to a file, reads the
file, and applies the size, depth, repeated-key and finite-number limits
(:func:`parse_json`); :func:`~painmodalities.from_json`,
:func:`~painmodalities.load_catalog` and the FHIR reader all read through it.

orjson reads the text first, and its value is kept when what it reads is what the standard
library reads within the limits: orjson refuses ``NaN``, ``Infinity`` and numbers beyond a
float's range itself, and writing the value back (:func:`_orjson_value`) shows the depth, a
repeated key (orjson keeps the last) and a whole number beyond 64 bits (orjson reads it as
a float). Any other text, and every error, goes to the standard library parser with its own
hooks (``object_pairs_hook`` refuses a repeated key, ``parse_constant`` ``NaN`` and
``Infinity``), the depth checked on the parsed value: one reading, one set of errors.
"""

import json
import os
from collections.abc import Callable
from typing import Any, Final

import orjson

from painmodalities._bounded import read_bounded
from painmodalities.errors import Problem, ValidationError

__all__ = ["MAX_DEPTH", "MAX_DOCUMENT_BYTES", "is_json_text", "parse_json", "read_json"]

#: Documents larger than this many bytes are refused before parsing.
MAX_DOCUMENT_BYTES: Final = 64 * 1024 * 1024
#: Documents nested deeper than this many arrays and objects are refused.
MAX_DEPTH: Final = 32


def _problem(expected: str, value: object, rule: str = "type") -> ValidationError:
    return ValidationError(Problem("$", expected, value, rule))


def _too_deep() -> ValidationError:
    return _problem(f"at most {MAX_DEPTH} nested arrays and objects", "deeper nesting", "depth")


class _RepeatedKeyError(Exception):
    """An object of the text repeats a key (found while parsing, located after)."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) < len(pairs):
        raise _RepeatedKeyError
    return found


def _constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def _limits_problem(document: object) -> ValidationError | None:
    """The error for a value nested too deep or holding an infinite number, if it does.

    The value is walked one level at a time, at most :data:`MAX_DEPTH` levels; the parser
    reads a number beyond a float's range as infinity.
    """
    level = [document]
    for depth in range(1, MAX_DEPTH + 2):  # the depth of the values in level
        below: list[object] = []
        for item in level:
            if type(item) is dict or type(item) is list:
                if depth > MAX_DEPTH:
                    return _too_deep()
                below += item.values() if type(item) is dict else item
            elif type(item) is float and item - item != 0:
                return _problem("valid JSON", "number is infinity when parsed as double", "json")
        if not below:
            return None
        level = below
    return None  # not reached: a level past MAX_DEPTH returns


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


class _Pairs(list[tuple[str, Any]]):
    """An object's key-value pairs as the text gave them (only to find a repeated key)."""


def _repeated_key(text: str) -> ValidationError:
    """The error for the first repeated key of ``text`` (parsed again, slowly: rare)."""
    problem = _limits_problem(json.loads(text, parse_constant=_constant))
    if problem is not None:
        return problem
    found = _find_repeated(json.loads(text, object_pairs_hook=_Pairs), "$")
    return ValidationError(
        found or Problem("$", "each key once in an object", "a repeated key", "repeated_key")
    )


_NOT_READ: Final = object()
#: A line indented this deep in orjson's indented writing is a value inside MAX_DEPTH levels.
_DEEP: Final = b"\n" + b" " * (2 * MAX_DEPTH)
#: Maps every digit to ``9`` and every other byte to a space (to find a long run of digits).
_DIGITS: Final = bytes(57 if 48 <= byte <= 57 else 32 for byte in range(256))
#: A run of 19 digits: the shortest whole number beyond 64 bits (orjson reads it as a float).
_LONG_NUMBER: Final = b"9" * 19


def _orjson_value(data: bytes) -> object:
    """The value orjson reads from ``data``, if the standard library reads the same.

    Otherwise (orjson refuses the text, or it may be too deep, repeat a key or hold a whole
    number beyond 64 bits) :data:`_NOT_READ`. The value is written back, indented: a line
    indented past :data:`MAX_DEPTH` levels is a value that deep. Text that is that writing
    (a document of this library, indented) is read as written. In any other text, every
    colon is a key's or one inside a string (unless one is written as an escape, which
    sends the text to the standard library), and so is every colon written back: a
    repeated key, whose first value orjson drops, leaves fewer colons written back.
    """
    try:
        value = orjson.loads(data)
        written = orjson.dumps(value, option=orjson.OPT_INDENT_2)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):  # the writer nests 254 deep
        return _NOT_READ
    if _DEEP in written:
        return _NOT_READ
    if data.rstrip() == written:
        return value
    if (
        b"\\u003" in data
        or data.count(b":") != written.count(b":")
        or _LONG_NUMBER in data.translate(_DIGITS)
    ):
        return _NOT_READ
    return value


def parse_json(text: str | bytes) -> object:
    """Parse JSON text within the limits, as a :class:`ValidationError` on failure.

    Refuses text over :data:`MAX_DOCUMENT_BYTES` bytes (before parsing), text that is not
    UTF-8 JSON, ``NaN``, ``Infinity`` and numbers beyond a float's range, an object that
    repeats a key, and nesting deeper than :data:`MAX_DEPTH`.
    """
    if isinstance(text, str):
        if len(text) > MAX_DOCUMENT_BYTES:
            raise _problem(f"a document of at most {MAX_DOCUMENT_BYTES} bytes", len(text), "size")
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise _problem("UTF-8 text", f"{error.reason} at {error.start}", "json") from None
    elif isinstance(text, bytes | bytearray | memoryview):
        data = text
    else:
        raise _problem("JSON text (str or bytes)", type(text).__name__)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _problem(f"a document of at most {MAX_DOCUMENT_BYTES} bytes", len(data), "size")
    data = bytes(data)  # the same object for bytes; a copy of a buffer within the limit
    document = _orjson_value(data)
    if document is not _NOT_READ:
        return document
    try:
        decoded = text if isinstance(text, str) else data.decode("utf-8")
        document = json.loads(decoded, object_pairs_hook=_object, parse_constant=_constant)
    except _RepeatedKeyError:
        raise _repeated_key(decoded) from None
    except RecursionError:
        raise _too_deep() from None
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError and _constant's
        raise _problem("valid JSON", str(error), "json") from None
    problem = _limits_problem(document)
    if problem is not None:
        raise problem
    return document


def is_json_text(source: object) -> bool:
    """Whether ``source`` is JSON text rather than a path.

    JSON text is bytes, or a str that starts with ``{`` or ``[`` after white space.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        return True
    return isinstance(source, str) and source.lstrip()[:1] in ("{", "[")


def _unreadable(path: str, why: str) -> Problem:
    return Problem("$", f"a readable catalog file ({why})", path, "file")


def read_json(
    source: object,
    *,
    unreadable: Callable[[str, str], Problem] = _unreadable,
    kinds: str = "a path or JSON text",
) -> object:
    """The JSON value of ``source``: JSON text (see :func:`is_json_text`) or a file's path.

    Every limit of :func:`parse_json` applies, and a file over :data:`MAX_DOCUMENT_BYTES` is
    refused once that many bytes and one more are read (:func:`read_bounded`: a device or a
    FIFO is refused at the limit too). ``unreadable(path, why)`` words the problem of a file that
    cannot be read; ``kinds`` what ``source`` may be.

    Raises:
        ValidationError: for anything else, a file that cannot be read, or text that is not
            JSON within the limits.
    """
    if is_json_text(source):
        return parse_json(source)  # type: ignore[arg-type]
    if not isinstance(source, str | os.PathLike):
        raise _problem(kinds, type(source).__name__)
    try:
        data = read_bounded(source, MAX_DOCUMENT_BYTES)
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        if isinstance(error, ValidationError):
            raise
        why = getattr(error, "strerror", None) or str(error)
        raise ValidationError(unreadable(os.fspath(source), why)) from None
    return parse_json(data)
