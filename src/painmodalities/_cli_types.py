"""The command line's argument types: each reads one value, or says what is allowed.

Each turns a bad value into ``argparse.ArgumentTypeError`` naming what is allowed (the
parser, :mod:`painmodalities._cli_parser`, makes it a usage error). Numbers are ASCII.
"""

import argparse
import datetime
import re
from collections.abc import Callable
from pathlib import Path
from typing import Final, TypeVar

from painmodalities import _rules as check
from painmodalities.errors import ValidationError
from painmodalities.evidence import PainType
from painmodalities.scoring import Weights
from painmodalities.vocabulary import (
    Certainty,
    Condition,
    Criterion,
    Phase,
    Precaution,
    RankedEnum,
)

__all__ = [
    "certainty",
    "condition",
    "date",
    "modality_id",
    "months",
    "pain_type",
    "phase",
    "phase_only",
    "picture_path",
    "plot_path",
    "port",
    "positive_int",
    "precaution",
    "weeks",
    "weights",
]

E = TypeVar("E", bound=RankedEnum)


def _member(enum_type: type[E], noun: str, hint: str = "") -> Callable[[str], E]:
    """An argparse type reading a member of ``enum_type`` by its value, or naming the choices."""
    rule = check.member_of(enum_type)

    def parse(text: str) -> E:
        member = rule.parse(text)
        if member is None:
            choices = check.choices(enum_type, quoted=False)
            raise argparse.ArgumentTypeError(
                f"unknown {noun} {text!r} (choose from {choices}{hint})"
            )
        return member

    return parse


condition = _member(Condition, "condition")
phase = _member(Phase, "phase", ", or give --weeks N")
phase_only = _member(Phase, "phase")
precaution = _member(Precaution, "precaution")
certainty = _member(Certainty, "certainty")


# Numbers on the command line are ASCII: Python's int() and float() also take other
# scripts' digits ("٣") and underscores ("1_0"), which a person reading the line would not
# take for the number that is used.
_DECIMAL: Final = re.compile(
    r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|nan)",
    re.IGNORECASE,
)
_WHOLE: Final = re.compile(r"[+-]?[0-9]+")


def _number(text: str, pattern: "re.Pattern[str]" = _DECIMAL) -> float:
    """``text`` as a float, when it is written in ASCII (:data:`_DECIMAL`); else ValueError."""
    if pattern.fullmatch(text.strip()) is None:
        raise ValueError(text)
    return float(text)


def _whole(text: str) -> int:
    """``text`` as an int, when it is ASCII digits (with a sign); else ValueError."""
    if _WHOLE.fullmatch(text.strip()) is None:
        raise ValueError(text)
    return int(text)


def weeks(text: str) -> Phase:
    try:
        weeks = _number(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of weeks, got {text!r}") from None
    try:
        return Phase.from_weeks(weeks)
    except ValidationError:
        raise argparse.ArgumentTypeError(
            f"expected a finite number of weeks, 0 or more, got {text}"
        ) from None


def positive_int(text: str) -> int:
    try:
        number = _whole(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number, 1 or more, got {number}")
    return number


def weights(text: str) -> Weights:
    """Read ``function=0.4,pain=0.1``: the criteria not named keep their defaults."""
    names = [criterion.value for criterion in Criterion]
    given: dict[str, float] = {}
    for item in text.split(","):
        name, sep, value = (part.strip() for part in item.partition("="))
        if not sep or not name or not value:
            raise argparse.ArgumentTypeError(
                f"malformed weights {text!r}: expected NAME=NUMBER pairs separated by commas, "
                "such as function=0.4,durability=0.25"
            )
        if name not in names:
            raise argparse.ArgumentTypeError(
                f"unknown weight {name!r} (choose from {check.choices(Criterion, quoted=False)})"
            )
        if name in given:
            raise argparse.ArgumentTypeError(f"weight {name!r} is given twice")
        try:
            given[name] = _number(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"weight {name!r} needs a number, got {value!r}"
            ) from None
    try:
        return Weights(**given)
    except ValidationError as error:
        raise argparse.ArgumentTypeError(f"invalid weights {text!r}: {error}") from None


def port(text: str) -> int:
    try:
        port = _whole(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a TCP port from 0 to 65535, got {text!r}")
    return port


def modality_id(text: str) -> str:
    if not check.modality_id.accepts(text):
        raise argparse.ArgumentTypeError(
            f"expected a modality id such as {check.modality_id.example}, got {text!r}"
        )
    return text


def plot_path(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in (".png", ".svg"):
        raise argparse.ArgumentTypeError(f"--plot writes a .png or .svg file, got {text!r}")
    return path


def picture_path(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in (".png", ".svg"):
        raise argparse.ArgumentTypeError(f"a picture is a .png or .svg file, got {text!r}")
    return path


def pain_type(text: str) -> PainType:
    try:
        return PainType.parse(text)
    except ValidationError:
        raise argparse.ArgumentTypeError(
            f"expected CONDITION:PHASE such as low_back:chronic, got {text!r} "
            f"(conditions: {check.choices(Condition, quoted=False)}; "
            f"phases: {check.choices(Phase, quoted=False)})"
        ) from None


def date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date such as 2026-01-31, got {text!r}"
        ) from None


def months(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of months, got {text!r}"
        ) from None
    if number < 0:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of months, 0 or more, got {number}"
        )
    return number
