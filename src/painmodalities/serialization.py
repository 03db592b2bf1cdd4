"""JSON documents: :func:`to_json`, :func:`from_json`, :func:`load_catalog`, versions.

Wire rules:

- Every document is a JSON object with ``schema_version`` (``"MAJOR.MINOR"``) first.
  A document of a newer major version than :data:`SCHEMA_VERSION` is refused; so is a
  1.x ranking (format 2.0 changed what a ranking holds). Other 1.x documents are read.
- Enums are written as their string values; records as objects whose keys are the attrs
  field names; tuples as arrays; frozensets as arrays sorted by rank, without duplicates.
- Modality families are told apart by a ``kind`` tag (``"massage"``, ``"exercise"``, ...).
- Nothing is coerced: ``"1"`` is not ``1``, ``1`` is not ``true``, a string is not a list.
  NaN and infinity are refused, and so are unknown keys and missing required keys.
- Every error is a :class:`~painmodalities.errors.ValidationError` listing each problem
  with the JSON path to the bad value, such as ``$.modalities[3].findings[0].certainty``.
- Exact numbers (:class:`fractions.Fraction`: scores and their contributions) are written as
  strings such as ``"13/20"``, ``"0"`` or ``"1"``, which round-trip exactly; a score also
  carries ``value_float`` (``0.65``) for readers without rationals, checked on load.
- A ranking's options and exclusions carry an ``explanation`` (the library's plain-language
  text). It is output for people: on load it must be a string and is otherwise ignored;
  the object recomputes it. Every score in a ranking is recomputed on load and must match.
- An object with a repeated key is refused (the JSON standard leaves it undefined, and
  parsers disagree on which value wins). Documents over :data:`MAX_DOCUMENT_BYTES` bytes or
  nested deeper than :data:`MAX_DEPTH` arrays and objects are refused.

Values become records through one converter (:mod:`painmodalities._converter`), which maps
shapes only; each record is validated once, by its own rules. This module adds what a
document carries beyond its records: the version, the derived keys (:data:`DERIVED`), and
the checks of loaded scores and rankings (:func:`~painmodalities.scoring.check_score`,
:func:`~painmodalities.ranking.check_ranking`). The ranking document (a ranking in reference
form, read by ranking again) is written and read by a private module of its own.

>>> from painmodalities import PainType
>>> text = to_json(PainType.parse("neck:chronic"))
>>> text
'{"schema_version":"2.1","condition":"neck","phase":"chronic"}'
>>> from_json(text, PainType) == PainType.parse("neck:chronic")
True
"""

import functools
import hashlib
import math
import os
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final, TypeVar, overload

import attrs
import cattrs
import orjson

from painmodalities import _rules as check
from painmodalities._converter import (
    FRACTION_PATTERN,
    MAX_FRACTION_DIGITS,
    make_strict_converter,
    record_hook,
)
from painmodalities._entries import check_exclusion, check_option, check_unranked
from painmodalities._json_text import MAX_DEPTH, MAX_DOCUMENT_BYTES, parse_json, read_json
from painmodalities._ranking_document import read_ranking, write_ranking
from painmodalities.catalog import Catalog
from painmodalities.errors import (
    MISSING,
    Problem,
    UnsupportedVersionError,
    ValidationError,
    invalid,
)
from painmodalities.evidence import (
    Assessment,
    Finding,
    PainType,
    Recommendation,
    Source,
    Statistic,
)
from painmodalities.modalities import Coding, Modality
from painmodalities.plans import CarePlan, check_plan
from painmodalities.ranking import (
    Exclusion,
    Omission,
    Patient,
    RankedOption,
    Ranking,
    Reason,
    UnrankedOption,
)
from painmodalities.scoring import (
    Contribution,
    Score,
    ScoringPolicy,
    Weights,
    check_contribution,
    check_score,
)
from painmodalities.sensitivity import Acceptability, Stability

__all__ = [
    "DERIVED",
    "DOCUMENT_TYPES",
    "FRACTION_PATTERN",
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "MAX_FRACTION_DIGITS",
    "SCHEMA_VERSION",
    "DerivedKey",
    "catalog_digest",
    "converter",
    "from_json",
    "load_catalog",
    "parse_json",
    "to_json",
]

T = TypeVar("T")

#: The format version this library writes. Documents of the same major version are read, and
#: 1.x documents of every type whose shape 2.0 kept (see :func:`from_json`).
SCHEMA_VERSION: Final = "2.1"

#: Every document type by name, as ``painmodalities schema TYPE`` and the schema files name it.
DOCUMENT_TYPES: Final[Mapping[str, type]] = MappingProxyType(
    {
        "catalog": Catalog,
        "modality": Modality,
        "source": Source,
        "finding": Finding,
        "statistic": Statistic,
        "recommendation": Recommendation,
        "assessment": Assessment,
        "coding": Coding,
        "pain_type": PainType,
        "patient": Patient,
        "weights": Weights,
        "policy": ScoringPolicy,
        "score": Score,
        "contribution": Contribution,
        "ranking": Ranking,
        "ranked_option": RankedOption,
        "unranked_option": UnrankedOption,
        "omission": Omission,
        "exclusion": Exclusion,
        "reason": Reason,
        "care_plan": CarePlan,
        "stability": Stability,
        "acceptability": Acceptability,
    }
)

_VERSION = re.compile(r"(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})")
#: A version string for the JSON Schema: any minor of this major.
VERSION_PATTERN: Final = "^" + SCHEMA_VERSION.split(".", 1)[0] + r"\.(0|[1-9][0-9]{0,3})$"


def _problem(expected: str, value: object, rule: str = "type") -> ValidationError:
    return invalid("$", expected, value, rule)


# -- derived keys and the checks of loaded results ----------------------------------------


@attrs.frozen
class DerivedKey:
    """A key a record's JSON carries beyond its fields, declared once.

    It is written from the record; on load it is checked (``shape`` before the record is
    built, ``agrees`` after) and dropped.

    Attributes:
        name: the key.
        schema: its JSON Schema fragment (read by :mod:`painmodalities.schema`).
        write: its value for a record.
        shape: the problem with a given value of the wrong kind, or ``None``.
        agrees: the problem with a given value that disagrees with the record, or ``None``.
        after: the field it is written after (``""``: at the end).
    """

    name: str
    schema: Mapping[str, Any]
    write: Callable[[Any], object]
    shape: Callable[[object], Problem | None]
    agrees: Callable[[object, Any], Problem | None] = lambda _given, _record: None
    after: str = ""


def _finite(value: object) -> Problem | None:
    if type(value) in (int, float) and math.isfinite(value):  # type: ignore[arg-type]
        return None
    return Problem("$.value_float", "a finite number", value, "number")


def _nearest(given: object, result: Score) -> Problem | None:
    if given == float(result.value):
        return None
    return Problem(
        "$.value_float",
        f"the float nearest to value {result.value} ({float(result.value)!r})",
        given,
        "value_float",
    )


def _text(name: str) -> Callable[[object], Problem | None]:
    """The shape check of an output-only text key: a string, recomputed on load."""

    def shape(value: object) -> Problem | None:
        if type(value) is str:
            return None
        return Problem(f"$.{name}", f"a string (the {name} is recomputed)", value, "type")

    return shape


_VALUE_FLOAT: Final = DerivedKey(
    "value_float",
    MappingProxyType(
        {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "value as the nearest float, for readers without fractions",
        }
    ),
    lambda result: float(result.value),
    _finite,
    _nearest,
    after="value",
)
_EXPLANATION: Final = DerivedKey(
    "explanation",
    MappingProxyType(
        {
            "type": "string",
            "description": "plain-language explanation (output only: ignored on load)",
        }
    ),
    lambda record: record.explain(),
    _text("explanation"),
)
_SUMMARY: Final = DerivedKey(
    "summary",
    MappingProxyType(
        {
            "type": "string",
            "description": "the ranking in one sentence; says so when nothing is ranked "
            "(output only: ignored on load)",
        }
    ),
    lambda ranking: ranking.summary,
    _text("summary"),
    after="pain_type",
)
_PLAN_SUMMARY: Final = DerivedKey(
    "summary",
    MappingProxyType(
        {
            "type": "string",
            "description": "the plan in words: what it holds (says so when it has no "
            "active core), then what the first-ranked option's evidence shows "
            "(output only: ignored on load)",
        }
    ),
    lambda care: care.summary,
    _text("summary"),
)

#: The keys each record's JSON carries beyond its fields, declared once for the converter
#: and the schema generator.
DERIVED: Final[Mapping[type, tuple[DerivedKey, ...]]] = MappingProxyType(
    {
        Score: (_VALUE_FLOAT,),
        RankedOption: (_EXPLANATION,),
        UnrankedOption: (_EXPLANATION,),
        Exclusion: (_EXPLANATION,),
        CarePlan: (_PLAN_SUMMARY,),
    }
)

#: What a loaded record must satisfy beyond its fields' rules, beside what it constrains.
_CHECKS: Final[Mapping[type, Callable[[Any], list[Problem]]]] = MappingProxyType(
    {
        Contribution: check_contribution,
        Score: check_score,
        RankedOption: check_option,
        UnrankedOption: check_unranked,
        Exclusion: check_exclusion,
        CarePlan: check_plan,
    }
)


def _checked_hook(
    converter: cattrs.Converter, record_type: type[T]
) -> Callable[[object, type], T]:
    """Structure ``record_type`` without its derived keys, then check what it must satisfy."""
    structure_record = record_hook(converter, record_type)
    derived = DERIVED.get(record_type, ())
    names = frozenset(key.name for key in derived)
    check = _CHECKS[record_type]

    def structure(value: object, _: type) -> T:
        if type(value) is not dict:
            raise _problem("an object", value)
        present = [key for key in derived if key.name in value]
        problems = [found for key in present if (found := key.shape(value[key.name]))]
        present = [key for key in present if key.shape(value[key.name]) is None]
        fields = {name: item for name, item in value.items() if name not in names}
        try:
            record = structure_record(fields, record_type)
        except ValidationError as error:
            kind = type(error) if not problems else ValidationError
            raise kind(problems + list(error.problems)) from None
        problems += check(record)
        problems += [found for key in present if (found := key.agrees(value[key.name], record))]
        if problems:
            raise ValidationError(problems)
        return record

    return structure


def _derived_unstructure(
    converter: cattrs.Converter, record_type: type, keys: tuple[DerivedKey, ...]
) -> Callable[[Any], dict[str, Any]]:
    unstructure_record: Callable[[Any], dict[str, Any]] = cattrs.gen.make_dict_unstructure_fn(
        record_type, converter
    )

    def unstructure(record: Any) -> dict[str, Any]:
        body = unstructure_record(record)
        for key in keys:
            if not key.after:
                body[key.name] = key.write(record)
                continue
            items = list(body.items())
            at = [name for name, _ in items].index(key.after) + 1
            body = dict([*items[:at], (key.name, key.write(record)), *items[at:]])
        return body

    return unstructure


def _exactly(record_type: type) -> Callable[[Any], bool]:
    return lambda kind: kind is record_type


def _checked(converter: cattrs.Converter, record_type: type) -> Callable[[Any], Any]:
    hook: Callable[[object, type], Any] = _checked_hook(converter, record_type)
    return lambda _kind: hook


@functools.cache
def converter() -> cattrs.Converter:
    """The documents' converter: the core's records, derived keys and checked results.

    Built on first use; its hooks never change after. It reads rankings (alone or in a
    care plan) against the built-in catalog.
    """
    return _make_converter(None)


@attrs.frozen
class _OnCatalog:
    """The documents' converter that reads rankings against one catalog (kept with it)."""

    converter: cattrs.Converter


def _converter_on(catalog: Catalog | None) -> cattrs.Converter:
    if catalog is None:
        return converter()
    if not isinstance(catalog, Catalog):
        raise invalid("$.catalog", "a Catalog or None", type(catalog).__name__, "type")
    return catalog._kept(_OnCatalog, lambda kept: _OnCatalog(_make_converter(kept))).converter


def _make_converter(catalog: Catalog | None) -> cattrs.Converter:
    made = make_strict_converter()
    # A ranking is written in its reference form (modalities by id, each finding once) and
    # read against the built-in catalog; from_json(..., catalog=) reads it against another.
    made.register_unstructure_hook(Ranking, write_ranking(made, catalog_digest))
    made.register_structure_hook(
        Ranking, lambda value, _kind: read_ranking(value, catalog, made, catalog_digest)
    )
    for record_type in _CHECKS:
        made.register_structure_hook_factory(_exactly(record_type), _checked(made, record_type))
    for record_type, keys in DERIVED.items():
        made.register_unstructure_hook(record_type, _derived_unstructure(made, record_type, keys))
    return made


# -- the identity a ranking document names --------------------------------------------------


@attrs.frozen
class _CatalogDigest:
    """The digest of a catalog's canonical JSON, kept with the catalog (computed once)."""

    text: str


def catalog_digest(catalog: Catalog) -> str:
    """``"sha256:<hex>"`` of ``to_json(catalog)``: the identity a ranking document names.

    Computed once per catalog and kept with it (:meth:`Catalog._kept`).
    """
    return catalog._kept(
        _CatalogDigest,
        lambda kept: _CatalogDigest(
            "sha256:" + hashlib.sha256(to_json(kept).encode("utf-8")).hexdigest()
        ),
    ).text


# -- documents ---------------------------------------------------------------------------


def to_json(obj: object, *, indent: bool = False) -> str:
    """Write an attrs record of the library as a versioned JSON document.

    Output is deterministic: the same object gives the same text in every process. A
    :class:`~painmodalities.Ranking` is written in its reference form: each modality by id
    (with its name and activity), each finding it used once, and the digest of the catalog
    it was computed on (see :func:`from_json`).

    Raises:
        ValidationError: at ``$`` (rule ``size``) for a document larger than
            :data:`MAX_DOCUMENT_BYTES`, which :func:`from_json` would refuse; at
            ``$.options[i].modality`` (rule ``catalog``) for a ranking whose modalities are
            not its catalog's; at ``$.obj`` for a value that is not a record of the library,
            at ``$.indent`` for an ``indent`` that is not a bool.
    """
    check.argument("indent", indent, check.boolean)
    if not attrs.has(type(obj)):
        raise ValidationError(
            check.ArgumentProblem("$.obj", "a record of the library", obj, "type")
        )
    body = converter().unstructure(obj)
    document = {"schema_version": SCHEMA_VERSION, **body}
    option = orjson.OPT_INDENT_2 if indent else 0
    data = orjson.dumps(document, option=option)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise invalid(
            "$",
            f"a document of at most {MAX_DOCUMENT_BYTES} bytes (from_json reads no more)",
            len(data),
            "size",
        )
    return data.decode("utf-8")


#: Document types whose meaning changed in format 2.0 (unranked options, recommendations
#: beside every entry, shared ranks): a 1.x document of these is refused, not misread.
_SINCE_2: Final = frozenset({Ranking, RankedOption, Exclusion})


def _check_version(document: Mapping[str, Any], kind: object = None) -> None:
    """Refuse a document of a major version this library does not read as ``kind``.

    Format 2.0 reads 1.x documents of every type whose shape it kept (catalogs,
    modalities, findings, patients, policies...: the fields 2.0 added take their defaults).
    """
    version = document.get("schema_version", MISSING)
    if version is MISSING:
        raise invalid(
            "$.schema_version", f'a version such as "{SCHEMA_VERSION}"', MISSING, "required"
        )
    found = _VERSION.fullmatch(version) if type(version) is str else None
    if found is None:
        raise invalid(
            "$.schema_version", f'"MAJOR.MINOR", such as "{SCHEMA_VERSION}"', version, "version"
        )
    supported, major = int(SCHEMA_VERSION.split(".", 1)[0]), int(found.group(1))
    if major < supported and kind in _SINCE_2:
        raise UnsupportedVersionError(
            Problem(
                "$.schema_version",
                f"major version {supported} (a {getattr(kind, '__name__', kind)} of format "
                f"{major}.x has no unranked options or recommendations: rank again)",
                version,
                "version",
            )
        )
    if major > supported:
        raise UnsupportedVersionError(
            Problem(
                "$.schema_version",
                f"major version {supported} (this library reads {SCHEMA_VERSION}; "
                "upgrade painmodalities to read newer documents)",
                version,
                "version",
            )
        )


#: The document types that hold a ranking, read against the catalog it was computed on.
_ON_A_CATALOG: Final = frozenset({Ranking, CarePlan})


def structure_document(document: object, kind: type[T], catalog: Catalog | None = None) -> T:
    """Read a parsed JSON document (with its ``schema_version``) into ``kind``.

    A ranking in it (a ranking or a care plan document) is read against ``catalog`` (the
    built-in catalog when ``None``).
    """
    if type(document) is not dict:
        raise _problem("a JSON object", document)
    _check_version(document, kind)
    body = {key: value for key, value in document.items() if key != "schema_version"}
    return _converter_on(catalog).structure(body, kind)


def _document_type(kind: object) -> type[Any]:
    """The document type ``kind`` names, or the library's error.

    ``kind`` is a class of :data:`DOCUMENT_TYPES` (or a family of modalities) or its name
    there (``"pain_type"``).
    """
    if isinstance(kind, str) and kind in DOCUMENT_TYPES:
        return DOCUMENT_TYPES[kind]
    if isinstance(kind, type) and issubclass(kind, tuple(DOCUMENT_TYPES.values())):
        return kind
    names = ", ".join(f'"{name}"' for name in DOCUMENT_TYPES)
    shown = f"the class {kind.__name__}" if isinstance(kind, type) else kind
    raise invalid("$.kind", f"a document type ({names}) or its class", shown, "document_type")


@overload
def from_json(text: str | bytes, kind: type[T], *, catalog: Catalog | None = None) -> T: ...
@overload
def from_json(text: str | bytes, kind: str, *, catalog: Catalog | None = None) -> Any: ...
def from_json(
    text: str | bytes, kind: type[T] | str, *, catalog: Catalog | None = None
) -> T | Any:
    """Read a versioned JSON document into ``kind`` (``Catalog``, ``Modality``, ...).

    ``kind`` is a document type (a class of :data:`DOCUMENT_TYPES`, or a family of
    modalities such as ``Massage``) or its name there (``"catalog"``, ``"pain_type"``).

    A ranking document names its modalities by id in the catalog it was computed on:
    ``catalog`` is that catalog (the built-in one when ``None``). The document's
    ``catalog.digest`` must be its digest (:func:`catalog_digest`), every id must be in it
    with the same name and activity, and every score is recomputed. The same holds for the
    ranking in a care plan document. Every other document carries what it names:
    ``catalog`` is refused with them (``$.catalog``, rule ``catalog``) rather than
    silently ignored.

    >>> text = '{"schema_version": "1.0", "condition": "neck", "phase": "acute"}'
    >>> from_json(text, "pain_type") == from_json(text, PainType) == PainType.parse("neck:acute")
    True

    Raises:
        ValidationError: with the path and value of every problem, for malformed JSON,
            a wrong type, an unknown enum value or key, a missing key, NaN, or a value
            that breaks a rule of ``kind``; at ``$.kind`` (rule ``document_type``,
            naming the document types) for a ``kind`` that is not a document type, such
            as ``dict``.
        UnsupportedVersionError: for a document of a newer major version.
    """
    found = _document_type(kind)
    if catalog is not None and found not in _ON_A_CATALOG:
        raise invalid(
            "$.catalog",
            "None: only a ranking or care plan document is read against a catalog (a "
            f"{found.__name__} document carries what it names)",
            type(catalog).__name__,
            "catalog",
        )
    return structure_document(parse_json(text), found, catalog)


def load_catalog(
    source: str | bytes | os.PathLike[str],
    *,
    base: Catalog | None = None,
    replace: bool = False,
) -> Catalog:
    """Load a catalog document from a file or from JSON text, optionally on top of ``base``.

    ``source`` is JSON text when it is ``bytes`` or a ``str`` starting with ``{`` (after
    white space), and otherwise a path to a file.

    Without ``base`` the document must be a whole catalog: every cited source and every
    component in it. With ``base`` (usually :func:`~painmodalities.default_catalog`) it
    may be partial: it may cite the base's sources and use the base's modalities as
    components, and the result is ``base.extend(...)`` (see :meth:`Catalog.extend`):
    a modality whose id the base uses is an error unless ``replace`` is true; a source
    whose key the base uses must be equal to the base's; programmes are re-assembled.
    A programme in a partial document may leave out its findings; they come from its
    components.

    >>> from painmodalities import default_catalog
    >>> mine = (
    ...     '{"schema_version": "1.0", "modalities": [{"kind": "acupuncture",'
    ...     ' "id": "acupuncture.electro", "name": "Electroacupuncture", "activity": "passive"}]}'
    ... )
    >>> load_catalog(mine, base=default_catalog()).ids[-2:]
    ('lifestyle.weight_management', 'acupuncture.electro')

    Raises:
        ValidationError: listing every problem found, each with its JSON path: malformed
            JSON, bad fields, clashing ids or sources, dangling references.
        UnsupportedVersionError: for a document of a newer major version.
    """
    check.argument("replace", replace, check.boolean)
    document = read_json(source)
    if base is None:
        return structure_document(document, Catalog)
    if not isinstance(base, Catalog):
        raise invalid("$.base", "a Catalog", type(base).__name__, "type")
    if type(document) is not dict:
        raise _problem("a JSON object", document)
    _check_version(document)
    problems = [
        Problem(
            f"$.{key}", 'only the keys "modalities", "sources" and "assessments"', key, "extra_key"
        )
        for key in document
        if key not in ("schema_version", "modalities", "sources", "assessments")
    ]
    parts: dict[str, tuple[Any, ...]] = {}
    for key, kind in (
        ("modalities", tuple[Modality, ...]),
        ("sources", tuple[Source, ...]),
        ("assessments", tuple[Assessment, ...]),
    ):
        try:
            parts[key] = converter().structure(document.get(key, []), kind)
        except ValidationError as error:
            problems += (problem.at(f"$.{key}") for problem in error.problems)
    if problems:
        raise ValidationError(problems)
    return base.extend(
        parts["modalities"],
        sources=parts["sources"],
        assessments=parts["assessments"],
        replace=replace,
    )
