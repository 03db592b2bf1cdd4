"""The CDS Hooks 2.0 wire records: requests, cards, discovery and feedback, as attrs records.

Every request body is read into these records by the library's strict converter (nothing
coerced, unknown keys refused, every problem with its JSON path) and every response is
written from them; the OpenAPI description is generated from the same fields and rules
(:mod:`painmodalities.service._openapi`). Field names are snake_case in Python and camelCase
on the wire (``hook_instance`` is ``hookInstance``): the wire name is the field's attrs alias.
Free-form FHIR content (``context``, ``prefetch``, a suggested resource) stays a JSON object:
the FHIR reader checks it.
"""

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar, get_origin

import attrs
import cattrs

from painmodalities import _rules as check
from painmodalities._converter import make_strict_converter, record_hook
from painmodalities.errors import ValidationError, invalid
from painmodalities.vocabulary import RankedEnum

__all__ = [
    "AcceptedSuggestion",
    "Action",
    "ActionType",
    "Card",
    "CardSource",
    "CdsResponse",
    "Coding",
    "Discovery",
    "FeedbackItem",
    "FeedbackOutcome",
    "FeedbackRequest",
    "FhirAuthorization",
    "HookRequest",
    "Indicator",
    "Link",
    "OverrideReason",
    "SelectionBehavior",
    "ServiceDescription",
    "Suggestion",
    "read",
    "write",
]

T = TypeVar("T")

#: A UUID in its canonical text form (``hookInstance``, card and suggestion ``uuid``).
UUID_PATTERN: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
#: CDS Hooks: "one-sentence summary message ... <140 characters", on one line, not blank.
SUMMARY_PATTERN: Final = re.compile(r"(?=.{1,139}$)[^\r\n]*\S[^\r\n]*")
#: An absolute http(s) URL without spaces.
URL_PATTERN: Final = re.compile(r"https?://\S+")
#: An instant as RFC 3339 section 5.6 profiles ISO 8601 (``1985-04-12T23:20:50.52Z``).
RFC3339_PATTERN: Final = re.compile(
    r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)"
    r"(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)"
)

#: The field metadata key that holds a field's wire name, where it differs from its name.
WIRE: Final = "wire"

uuid_text: Final = check.matches(UUID_PATTERN, "UUID", "2a6e7c2e-1f07-4bd0-8d1f-0d3b3c1f6b80")
summary_text: Final = check.matches(
    SUMMARY_PATTERN, "one line under 140 characters", "Chronic neck pain: exercise ranks first"
)
url_text: Final = check.matches(URL_PATTERN, "absolute http(s) URL", "https://ehr.example/fhir")
instant_text: Final = check.matches(RFC3339_PATTERN, "RFC 3339 date-time", "2021-12-11T10:05:31Z")


class Indicator(RankedEnum):
    """How urgent a card is, least first."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class SelectionBehavior(RankedEnum):
    """How many of a card's suggestions the clinician may accept."""

    AT_MOST_ONE = "at-most-one"
    ANY = "any"


class ActionType(RankedEnum):
    """What a suggestion's action does to a FHIR resource."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class FeedbackOutcome(RankedEnum):
    """What the clinician did with a card."""

    ACCEPTED = "accepted"
    OVERRIDDEN = "overridden"


def _object() -> Any:
    """A required JSON-object field (free-form FHIR or hook content)."""
    return attrs.field(validator=_is_object)


def _is_object(_instance: object, attribute: Any, value: object) -> None:
    if not isinstance(value, Mapping):
        raise check.fail(attribute.name, "a JSON object", value, "type")


def _extension() -> Any:
    """The ``extension`` element CDS Hooks reserves on every element: a JSON object or absent.

    The service reads no extension; it accepts one wherever the specification reserves it.
    """
    return attrs.field(default=None, validator=attrs.validators.optional(_is_object))


# -- requests -----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class FhirAuthorization:
    """The bearer token a CDS client lends the service to read its FHIR server.

    Attributes:
        access_token: the OAuth 2.0 access token.
        token_type: always ``Bearer``.
        expires_in: lifetime of the token in seconds.
        scope: the scopes granted.
        subject: the OAuth client id of the service.
        patient: the patient in context, if the token is restricted to one.
    """

    access_token: str = attrs.field(validator=check.text)
    token_type: str = attrs.field(validator=check.text)
    expires_in: int = attrs.field(validator=check.optional_int_in(0, 2**31))
    scope: str = attrs.field(validator=check.text)
    subject: str = attrs.field(validator=check.text)
    patient: str | None = attrs.field(default=None, validator=check.optional(check.text))
    extension: Mapping[str, Any] | None = _extension()


@attrs.frozen(kw_only=True)
class HookRequest:
    """A call to a CDS service: which hook fired, its context and prefetched FHIR data.

    Attributes:
        hook: the hook that fired (``patient-view``, ``order-sign``).
        hook_instance: a UUID for this call.
        context: the hook's context (``patientId``, ``draftOrders``, ...).
        prefetch: the prefetched FHIR data, by prefetch key; ``None`` when none was sent.
        fhir_server: the FHIR server to fetch what prefetch lacks from.
        fhir_authorization: the bearer token for ``fhir_server``.
        extension: extension data the service may ignore.
    """

    hook: str = attrs.field(validator=check.text)
    hook_instance: str = attrs.field(validator=uuid_text, metadata={WIRE: "hookInstance"})
    context: Mapping[str, Any] = _object()
    prefetch: Mapping[str, Any] | None = attrs.field(default=None)
    fhir_server: str | None = attrs.field(
        default=None, validator=check.optional(url_text), metadata={WIRE: "fhirServer"}
    )
    fhir_authorization: FhirAuthorization | None = attrs.field(
        default=None, metadata={WIRE: "fhirAuthorization"}
    )
    extension: Mapping[str, Any] | None = _extension()


@attrs.frozen(kw_only=True)
class Coding:
    """A code in a code system, with the display a clinician reads."""

    code: str = attrs.field(validator=check.text)
    system: str | None = attrs.field(default=None, validator=check.optional(check.text))
    display: str | None = attrs.field(default=None, validator=check.optional(check.text))
    extension: Mapping[str, Any] | None = _extension()


@attrs.frozen(kw_only=True)
class AcceptedSuggestion:
    """A suggestion the clinician accepted, by its ``uuid``."""

    id: str = attrs.field(validator=uuid_text)
    extension: Mapping[str, Any] | None = _extension()


@attrs.frozen(kw_only=True)
class OverrideReason:
    """Why the clinician overrode a card: a coded reason and an optional comment."""

    reason: Coding | None = None
    user_comment: str | None = attrs.field(
        default=None, validator=check.optional(check.any_text), metadata={WIRE: "userComment"}
    )
    extension: Mapping[str, Any] | None = _extension()


@attrs.frozen(kw_only=True)
class FeedbackItem:
    """What became of one card.

    Attributes:
        card: the card's ``uuid``.
        outcome: accepted or overridden.
        accepted_suggestions: the suggestions accepted (required for ``accepted``).
        override_reason: why it was overridden (for ``overridden``).
        outcome_timestamp: when, as an RFC 3339 date-time (``2021-12-11T10:05:31Z``).
        extension: extension data the service ignores.
    """

    card: str = attrs.field(validator=uuid_text)
    outcome: FeedbackOutcome = attrs.field(validator=check.member_of(FeedbackOutcome))
    accepted_suggestions: tuple[AcceptedSuggestion, ...] = attrs.field(
        default=(), converter=check.as_tuple, metadata={WIRE: "acceptedSuggestions"}
    )
    override_reason: OverrideReason | None = attrs.field(
        default=None, metadata={WIRE: "overrideReason"}
    )
    outcome_timestamp: str = attrs.field(
        validator=instant_text, metadata={WIRE: "outcomeTimestamp"}
    )
    extension: Mapping[str, Any] | None = _extension()

    def __attrs_post_init__(self) -> None:
        if self.outcome is FeedbackOutcome.ACCEPTED and not self.accepted_suggestions:
            raise check.fail(
                "accepted_suggestions",
                "the accepted suggestions (required for an accepted outcome)",
                [],
                "required",
            )


@attrs.frozen(kw_only=True)
class FeedbackRequest:
    """The body of a feedback call: one item per card."""

    feedback: tuple[FeedbackItem, ...] = attrs.field(converter=check.as_tuple)
    extension: Mapping[str, Any] | None = _extension()


# -- responses ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CardSource:
    """Who the card's guidance comes from."""

    label: str = attrs.field(validator=check.text)
    url: str | None = attrs.field(default=None, validator=check.optional(url_text))
    topic: Coding | None = None


@attrs.frozen(kw_only=True)
class Action:
    """One change to the EHR's data that a suggestion proposes.

    Attributes:
        type: create, update or delete.
        description: what the action does, for people.
        resource: the FHIR resource to create or update.
        resource_id: for ``delete``, a relative reference to the resource to delete
            (``ServiceRequest/123``): one string, as CDS Hooks 2.0.1 defines it.
    """

    type: ActionType = attrs.field(validator=check.member_of(ActionType))
    description: str = attrs.field(validator=check.text)
    resource: Mapping[str, Any] | None = None
    resource_id: str | None = attrs.field(
        default=None, validator=check.optional(check.text), metadata={WIRE: "resourceId"}
    )


@attrs.frozen(kw_only=True)
class Suggestion:
    """A set of actions the clinician can accept with one click."""

    label: str = attrs.field(validator=check.text)
    uuid: str = attrs.field(validator=uuid_text)
    is_recommended: bool | None = attrs.field(default=None, metadata={WIRE: "isRecommended"})
    actions: tuple[Action, ...] = attrs.field(default=(), converter=check.as_tuple)


@attrs.frozen(kw_only=True)
class Link:
    """A link to more information (``absolute``) or to a SMART app (``smart``)."""

    label: str = attrs.field(validator=check.text)
    url: str = attrs.field(validator=url_text)
    type: str = attrs.field(validator=check.text)


@attrs.frozen(kw_only=True)
class Card:
    """One piece of guidance shown to the clinician.

    Attributes:
        uuid: the card's id, for feedback.
        summary: one line under 140 characters.
        detail: Markdown.
        indicator: info, warning or critical.
        source: who the guidance comes from.
        suggestions: what the clinician can do at once.
        selection_behavior: how many suggestions may be accepted (required with suggestions).
        override_reasons: the reasons offered when the clinician dismisses the card.
        links: where to read more.
    """

    uuid: str = attrs.field(validator=uuid_text)
    summary: str = attrs.field(validator=summary_text)
    detail: str | None = attrs.field(default=None, validator=check.optional(check.text))
    indicator: Indicator = attrs.field(validator=check.member_of(Indicator))
    source: CardSource
    suggestions: tuple[Suggestion, ...] = attrs.field(default=(), converter=check.as_tuple)
    selection_behavior: SelectionBehavior | None = attrs.field(
        default=None, metadata={WIRE: "selectionBehavior"}
    )
    override_reasons: tuple[Coding, ...] = attrs.field(
        default=(), converter=check.as_tuple, metadata={WIRE: "overrideReasons"}
    )
    links: tuple[Link, ...] = attrs.field(default=(), converter=check.as_tuple)

    def __attrs_post_init__(self) -> None:
        if self.suggestions and self.selection_behavior is None:
            raise check.fail(
                "selection_behavior", "a selection behavior with suggestions", None, "required"
            )


@attrs.frozen(kw_only=True)
class CdsResponse:
    """A service's answer: its cards (none means no guidance)."""

    cards: tuple[Card, ...] = attrs.field(converter=check.as_tuple)


@attrs.frozen(kw_only=True)
class ServiceDescription:
    """One service in discovery: its hook, id, words and prefetch templates."""

    hook: str = attrs.field(validator=check.text)
    id: str = attrs.field(validator=check.text)
    title: str = attrs.field(validator=check.text)
    description: str = attrs.field(validator=check.text)
    prefetch: Mapping[str, str] = _object()
    usage_requirements: str | None = attrs.field(
        default=None, metadata={WIRE: "usageRequirements"}
    )


@attrs.frozen(kw_only=True)
class Discovery:
    """The discovery document: every service offered."""

    services: tuple[ServiceDescription, ...] = attrs.field(converter=check.as_tuple)


#: The records read from request bodies, and those written to responses.
REQUESTS: Final = (HookRequest, FeedbackRequest)
RESPONSES: Final = (CdsResponse, Discovery)


def _is_service_record(kind: Any) -> bool:
    return attrs.has(kind) and kind.__module__ == __name__


def wire_names(kind: type) -> dict[str, str]:
    """Each field of ``kind`` whose wire name differs from its name, with that wire name."""
    return {
        field.name: field.metadata[WIRE] for field in attrs.fields(kind) if WIRE in field.metadata
    }


#: Every field name that is written otherwise on the wire, for error paths.
_ON_THE_WIRE: Final = {
    name: wire
    for kind in (HookRequest, FeedbackItem, OverrideReason)
    for name, wire in wire_names(kind).items()
}
_PATH_PART: Final = re.compile(r"\.([a-z_]+)")


def _structure_object(value: object, _: type) -> Mapping[str, Any]:
    if type(value) is not dict:
        raise invalid("$", "a JSON object", value, "type")
    return value


def _is_object_type(kind: Any) -> bool:
    return get_origin(kind) is Mapping


def _unstructure_hook(converter: cattrs.Converter, kind: type) -> Callable[[Any], Any]:
    renames: dict[str, Any] = {
        name: cattrs.gen.override(rename=wire) for name, wire in wire_names(kind).items()
    }
    return cattrs.gen.make_dict_unstructure_fn(
        kind, converter, _cattrs_omit_if_default=True, **renames
    )


@functools.cache
def _converter() -> cattrs.Converter:
    """The library's strict converter, reading and writing these records by wire name.

    Absent optional values (``None``, empty tuples) are left out of the JSON written.
    """
    converter = make_strict_converter()
    converter.register_structure_hook_func(_is_object_type, _structure_object)
    converter.register_structure_hook_factory(
        _is_service_record,
        lambda kind: record_hook(converter, kind, renames=wire_names(kind)),
    )
    converter.register_unstructure_hook_factory(
        _is_service_record, lambda kind: _unstructure_hook(converter, kind)
    )
    return converter


def _on_the_wire(path: str) -> str:
    """``path`` with each field name written as on the wire (``$.hookInstance``)."""
    return _PATH_PART.sub(lambda part: "." + _ON_THE_WIRE.get(part[1], part[1]), path)


def read(value: object, kind: type[T]) -> T:
    """Read a parsed JSON value as ``kind``; a :class:`ValidationError` says what is wrong.

    Its paths name the keys as the JSON has them (``$.hookInstance``).
    """
    try:
        result: T = _converter().structure(value, kind)
    except ValidationError as error:
        raise type(error)(
            attrs.evolve(problem, path=_on_the_wire(problem.path)) for problem in error.problems
        ) from None
    return result


def write(record: object) -> Any:
    """The JSON value of ``record``."""
    return _converter().unstructure(record)
