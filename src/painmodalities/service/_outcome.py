"""Errors of the service, answered as FHIR OperationOutcome JSON with the right status.

A :class:`ServiceError` is raised where a request cannot be answered (bad body, bad token,
missing data) and turned into a response at the boundary; a library
:class:`~painmodalities.errors.ValidationError` is answered as 400 with one issue per
problem, each with the JSON path of the bad value. Nothing else about the server (a stack
trace, a file name) is ever written into a response.
"""

from collections.abc import Iterable
from typing import Any, Final

from painmodalities.errors import PainModalitiesError, Problem

__all__ = ["ServiceError", "operation_outcome", "problems_outcome"]

#: The FHIR issue type of each HTTP status the service answers with.
ISSUE_CODES: Final = {
    400: "invalid",
    401: "security",
    404: "not-found",
    405: "not-supported",
    412: "not-found",
    415: "not-supported",
    500: "exception",
    502: "transient",
}


class ServiceError(PainModalitiesError):
    """A request the service cannot answer: its HTTP status and the reason, in words.

    ``args`` are ``(status, diagnostics, expression)``; build it with :meth:`of`.
    """

    @classmethod
    def of(cls, status: int, diagnostics: str, expression: str | None = None) -> "ServiceError":
        """The error for ``status``, saying ``diagnostics`` about the value at ``expression``."""
        return cls(status, diagnostics, expression)

    @property
    def status(self) -> int:
        """The HTTP status to answer with."""
        status: int = self.args[0]
        return status

    @property
    def diagnostics(self) -> str:
        """What went wrong, in words."""
        return str(self.args[1])

    @property
    def expression(self) -> str | None:
        """The JSON path of the value at fault, if one is."""
        expression: str | None = self.args[2]
        return expression

    def __str__(self) -> str:
        return self.diagnostics


def _issue(status: int, diagnostics: str, expression: str | None) -> dict[str, Any]:
    issue: dict[str, Any] = {
        "severity": "error",
        "code": ISSUE_CODES.get(status, "processing"),
        "diagnostics": diagnostics,
    }
    if expression is not None:
        issue["expression"] = [expression]
    return issue


def operation_outcome(
    status: int, diagnostics: str, expression: str | None = None
) -> dict[str, Any]:
    """An OperationOutcome with one error issue."""
    return {"resourceType": "OperationOutcome", "issue": [_issue(status, diagnostics, expression)]}


def problems_outcome(problems: Iterable[Problem], status: int = 400) -> dict[str, Any]:
    """An OperationOutcome with one issue per problem, each at the problem's JSON path."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [_issue(status, str(problem), problem.path) for problem in problems],
    }
