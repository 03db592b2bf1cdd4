"""Reading values of a FHIR resource: codings, labels, dates; and how a resource is skipped."""

import calendar
import datetime
import re
from collections.abc import Mapping
from typing import Any, Final

__all__: list[str] = []

#: What a JSON object may be: ``dict`` first, so that parsed JSON is recognised without
#: the slower abstract-class check (a resource's codings are checked a hundred times a call).
_OBJECT: Final = (dict, Mapping)
_DATE: Final = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


class _SkipError(Exception):
    """A resource is not used: ``rule`` and ``detail`` say why (caught by the reader)."""

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(detail)
        self.rule = rule
        self.detail = detail


def _codings(concept: object) -> list[Mapping[str, Any]]:
    if not isinstance(concept, _OBJECT):
        return []
    codings = concept.get("coding")
    if not isinstance(codings, list):  # absent, or null (which fhir.resources lets through)
        return []
    return [coding for coding in codings if isinstance(coding, _OBJECT)]


def _codes(concept: object) -> set[str]:
    return {str(coding.get("code")) for coding in _codings(concept) if coding.get("code")}


def _label(resource: Mapping[str, Any], field: str) -> str:
    concept = resource.get(field)
    if isinstance(concept, _OBJECT) and isinstance(concept.get("text"), str):
        return str(concept["text"])
    for coding in _codings(concept):
        if isinstance(coding.get("display"), str):
            return str(coding["display"])
    return str(resource.get("id", ""))


def _shown_codes(concept: object) -> str:
    shown = [
        f"{coding.get('system', 'no system')} {coding.get('code', 'no code')}"
        for coding in _codings(concept)
    ]
    return ", ".join(shown) if shown else "no coding"


def _date_range(value: object) -> tuple[datetime.date, datetime.date] | None:
    """The earliest and latest day a FHIR date or dateTime allows (``2017`` is a year)."""
    if not isinstance(value, str):
        return None
    match = _DATE.match(value)
    if match is None:  # pragma: no cover (fhir.resources checked the format)
        return None
    year, month, day = match.groups()
    if day is not None:
        exact = datetime.date(int(year), int(month), int(day))
        return exact, exact
    if month is not None:
        days = calendar.monthrange(int(year), int(month))[1]
        return (
            datetime.date(int(year), int(month), 1),
            datetime.date(int(year), int(month), days),
        )
    return datetime.date(int(year), 1, 1), datetime.date(int(year), 12, 31)


def _first_date(
    resource: Mapping[str, Any], field: str, period_end: str = "start"
) -> tuple[tuple[datetime.date, datetime.date] | None, str | None]:
    """A ``field[x]`` choice as a date range, or the name of an unreadable choice found."""
    found = _date_range(resource.get(field + "DateTime"))
    if found is not None:
        return found, None
    period = resource.get(field + "Period")
    if isinstance(period, _OBJECT):
        for key in (period_end, "start", "end"):
            found = _date_range(period.get(key))
            if found is not None:
                return found, None
    other = sorted(key for key in resource if key.startswith(field) and key != field + "DateTime")
    return None, (other[0] if other else None)


def _weeks(days: int) -> float:
    return max(days, 0) / 7
