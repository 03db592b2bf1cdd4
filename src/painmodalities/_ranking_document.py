"""The ranking document: a ranking in reference form, read by ranking again.

A ranking is written with each modality by id (its name and activity beside it), each
finding and recommendation once in a table the entries point into, and the digest of the
catalog it was computed on. It is read by ranking again from its header (pain type,
patient, weights, policy) on that catalog, and every place where the document differs
from the ranking computed is a problem at its path. :mod:`painmodalities.serialization`
registers :func:`write_ranking` and :func:`read_ranking` on its converter, which each
takes as ``made``, with ``digest``, the catalog's identity
(:func:`~painmodalities.serialization.catalog_digest`).
"""

import re
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Final

import attrs
import cattrs
import orjson

from painmodalities._builtin import default_catalog
from painmodalities.catalog import Catalog
from painmodalities.errors import (
    MISSING,
    Problem,
    UnknownModalityError,
    ValidationError,
    invalid,
)
from painmodalities.evidence import Finding, PainType, Recommendation
from painmodalities.ranking import (
    Entry,
    Exclusion,
    Patient,
    RankedOption,
    Ranking,
    rank,
)
from painmodalities.scoring import Score, ScoringPolicy, Weights

__all__ = ["read_ranking", "write_ranking"]

#: The identity of a catalog, as a ranking document names it (``"sha256:<hex>"``).
Digest = Callable[[Catalog], str]


def _catalog_of(ranking: Ranking) -> Catalog:
    """The catalog ``ranking`` was computed on; every entry's modality must be its own."""
    catalog = default_catalog() if ranking.catalog is None else ranking.catalog
    problems = [
        Problem(
            f"$.{name}[{index}].modality",
            "a modality of the catalog the ranking names (rank() sets Ranking.catalog; "
            "a ranking built by hand stands for the built-in catalog)",
            entry.modality.id,
            "catalog",
        )
        for name, entries in _lists(ranking)
        for index, entry in enumerate(entries)
        if catalog.get(entry.modality.id) != entry.modality
    ]
    if problems:
        raise ValidationError(problems)
    return catalog


def _lists(ranking: Ranking) -> tuple[tuple[str, tuple[Entry, ...]], ...]:
    return (
        ("options", ranking.options),
        ("unranked", ranking.unranked),
        ("excluded", ranking.excluded),
    )


class _RankingWriter:
    """Writes one ranking document, numbering each finding and recommendation at first use."""

    def __init__(self, unstructure: Callable[[Any], Any]) -> None:
        self.unstructure = unstructure
        self.findings: dict[Finding, int] = {}
        self.recommendations: dict[Recommendation, int] = {}

    def refs(self, findings: tuple[Finding, ...]) -> list[int]:
        table = self.findings
        return [table.setdefault(finding, len(table)) for finding in findings]

    def advice(self, recommendations: tuple[Recommendation, ...]) -> list[int]:
        table = self.recommendations
        return [table.setdefault(advice, len(table)) for advice in recommendations]

    def finding_rows(self) -> list[dict[str, Any]]:
        """The findings table: each without its pain type (the ranking's) or a null component."""
        rows = []
        for finding in self.findings:
            row = self.unstructure(finding)
            del row["pain_type"]
            if row["component"] is None:
                del row["component"]
            rows.append(row)
        return rows

    def score(self, result: Score) -> dict[str, Any]:
        return {
            "value": str(result.value),
            "value_float": float(result.value),
            "has_benefit": result.has_benefit,
            "contributions": {
                part.criterion.value: {
                    "raw": str(part.raw),
                    "value": str(part.value),
                    "findings": self.refs(part.findings),
                }
                for part in result.contributions
            },
            "unscored": self.refs(result.unscored),
        }

    def entry(self, entry: Entry) -> dict[str, Any]:
        modality = entry.modality
        body: dict[str, Any] = {}
        if isinstance(entry, RankedOption):
            body["rank"] = entry.rank
        body["modality"] = {
            "id": modality.id,
            "name": modality.name,
            "activity": modality.activity.value,
        }
        if isinstance(entry, Exclusion):
            body["reasons"] = self.unstructure(entry.reasons)
        else:
            body["score"] = self.score(entry.score)
        body["recommendations"] = self.advice(entry.recommendations)
        if not isinstance(entry, Exclusion):
            body["without"] = self.unstructure(entry.without)
        return body


def write_ranking(made: cattrs.Converter, digest: Digest) -> Callable[[Ranking], dict[str, Any]]:
    """The unstructure hook of :class:`~painmodalities.Ranking` on ``made``: its document."""

    def unstructure(ranking: Ranking) -> dict[str, Any]:
        catalog = _catalog_of(ranking)
        writer = _RankingWriter(made.unstructure)
        lists = {
            name: [writer.entry(entry) for entry in entries] for name, entries in _lists(ranking)
        }
        return {
            "pain_type": made.unstructure(ranking.pain_type),
            "summary": ranking.summary,
            "catalog": {
                "digest": digest(catalog),
                "modalities": len(catalog),
                "sources": len(catalog.sources),
            },
            "patient": made.unstructure(ranking.patient),
            "weights": made.unstructure(ranking.weights),
            "policy": made.unstructure(ranking.policy),
            "findings": writer.finding_rows(),
            "recommendations": made.unstructure(tuple(writer.recommendations)),
            "assessments": made.unstructure(ranking.assessments),
            **lists,
        }

    return unstructure


#: The keys of a ranking document's parts: (required, optional). ``summary`` and
#: ``explanation`` are output for people: strings, recomputed, otherwise ignored on load.
_RANKING_KEYS: Final = (
    ("pain_type", "catalog", "findings", "recommendations", "options"),
    ("summary", "patient", "weights", "policy", "assessments", "unranked", "excluded"),
)
_CATALOG_KEYS: Final = (("digest",), ("modalities", "sources"))
_MODALITY_KEYS: Final = (("id", "name", "activity"), ())
_ENTRY_KEYS: Final[Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]] = MappingProxyType(
    {
        "options": (("rank", "modality", "score"), ("recommendations", "without", "explanation")),
        "unranked": (("modality", "score"), ("recommendations", "without", "explanation")),
        "excluded": (("modality", "reasons"), ("recommendations", "explanation")),
    }
)
_DIGEST: Final = re.compile(r"sha256:[0-9a-f]{64}")


def _shaped(
    path: str,
    value: object,
    keys: tuple[tuple[str, ...], tuple[str, ...]],
    problems: list[Problem],
) -> dict[str, Any] | None:
    """``value`` if it is an object with the required keys and no others; else its problems."""
    if type(value) is not dict:
        problems.append(Problem(path, "an object", value, "type"))
        return None
    required, optional = keys
    problems += [
        Problem(f"{path}.{key}", "a value (required)", MISSING, "required")
        for key in required
        if key not in value
    ]
    problems += [
        Problem(f"{path}.{key}", "only the keys a ranking document defines", key, "extra_key")
        for key in value
        if key not in required and key not in optional
    ]
    return value if all(key in value for key in required) else None


def _same(given: object, expected: object) -> bool:
    """Whether two JSON values are the same, type for type (``1`` is not ``true`` or ``1.0``)."""
    try:
        return orjson.dumps(given, option=orjson.OPT_SORT_KEYS) == orjson.dumps(
            expected, option=orjson.OPT_SORT_KEYS
        )
    except TypeError:  # not a JSON value (orjson.JSONEncodeError is a TypeError)
        return False


def _check_digest(value: object, catalog: Catalog, digest: Digest) -> None:
    """Refuse at once a document computed on another catalog."""
    problems: list[Problem] = []
    body = _shaped("$.catalog", value, _CATALOG_KEYS, problems)
    if body is None:
        raise ValidationError(problems)
    given, expected = body["digest"], digest(catalog)
    if type(given) is not str or _DIGEST.fullmatch(given) is None:
        raise invalid("$.catalog.digest", '"sha256:" and 64 lowercase hex digits', given)
    if given != expected:
        raise invalid(
            "$.catalog.digest",
            f"the digest of the catalog given ({expected}): the ranking was computed on "
            "another catalog; pass the catalog it was computed on "
            "(from_json(text, Ranking, catalog=...); the built-in catalog when None)",
            given,
            "catalog_digest",
        )
    for key, size in (("modalities", len(catalog)), ("sources", len(catalog.sources))):
        if key in body and not _same(body[key], size):
            problems.append(
                Problem(f"$.catalog.{key}", f"{size} (the catalog's {key})", body[key], "catalog")
            )
    if problems:
        raise ValidationError(problems)


def _header(body: Mapping[str, Any], catalog: Catalog, made: cattrs.Converter) -> Ranking:
    """The ranking :func:`~painmodalities.ranking.rank` computes from a document's header."""
    problems: list[Problem] = []
    if "summary" in body and type(body["summary"]) is not str:
        problems.append(
            Problem("$.summary", "a string (the summary is recomputed)", body["summary"], "type")
        )
    read: dict[str, Any] = {}
    header = {
        "pain_type": PainType,
        "patient": Patient,
        "weights": Weights,
        "policy": ScoringPolicy,
    }
    for key, kind in header.items():
        try:
            read[key] = made.structure(body.get(key, {}), kind)
        except ValidationError as error:
            problems += (problem.at(f"$.{key}") for problem in error.problems)
    if problems:
        raise ValidationError(problems)
    try:
        return rank(catalog=catalog, **read)
    except UnknownModalityError as error:
        raise invalid(
            "$.patient",
            "ids of modalities of the catalog the ranking was computed on",
            error.modality_id,
            "unknown_modality",
        ) from None


#: How a field of an entry that differs from the computed entry's is worded, and its rule.
_DIFFERENCES: Final[Mapping[str, Callable[[Any], tuple[str, str]]]] = MappingProxyType(
    {
        "rank": lambda want: (f"{want} (1 + the number of options with a higher score)", "rank"),
        "reasons": lambda want: (
            "the reasons against this modality: " + "; ".join(r["detail"] for r in want),
            "reasons",
        ),
        "recommendations": lambda want: (
            f"the {len(want)} recommendation(s) of this modality whose scope covers the "
            "ranking's pain type",
            "recommendations",
        ),
        "without": lambda want: (
            "the components the patient's constraints rule out: "
            + (", ".join(omission["component"] for omission in want) or "none"),
            "without",
        ),
        "score": lambda want: (
            f"the score the library computes for this modality ({want['value']})",
            "score",
        ),
    }
)


#: The table each list of indexes in an entry points into.
_TABLES: Final = MappingProxyType(
    {"recommendations": "recommendations", "unscored": "findings", "findings": "findings"}
)


def _indexes(path: str, value: object, sizes: Mapping[str, int]) -> Iterator[Problem]:
    """Every index into a table, in an entry or a part of it, that the table does not hold."""
    for key, item in value.items() if type(value) is dict else ():
        table = _TABLES.get(key)
        if table is None or type(item) is not list:
            yield from _indexes(f"{path}.{key}", item, sizes)
            continue
        yield from (
            Problem(
                f"{path}.{key}[{i}]",
                f"an index into $.{table} (0 to {sizes[table] - 1})",
                ref,
                "index",
            )
            for i, ref in enumerate(item)
            if type(ref) is not int or not 0 <= ref < sizes[table]
        )


def _score_as_written(given: object, expected: Mapping[str, Any]) -> object:
    """A document's score with its optional keys filled in as the library writes them."""
    if type(given) is not dict or type(parts := given.get("contributions")) is not dict:
        return given
    return {
        "value_float": expected["value_float"],
        "unscored": [],
        **given,
        "contributions": {
            criterion: {"findings": [], **part} if type(part) is dict else part
            for criterion, part in parts.items()
        },
    }


def _modality_id(entry: object) -> str | None:
    """The modality id an entry of a document names, if it names one."""
    if type(entry) is dict and type(modality := entry.get("modality")) is dict:
        found = modality.get("id")
        return found if type(found) is str else None
    return None


def _entry_problems(
    at: str, given: dict[str, Any], expected: Mapping[str, Any], body: Mapping[str, Any]
) -> list[Problem]:
    """One entry of a document against the entry computed for the same modality."""
    problems: list[Problem] = []
    if "explanation" in given and type(given["explanation"]) is not str:
        problems.append(
            Problem(
                f"{at}.explanation",
                "a string (the explanation is recomputed)",
                given["explanation"],
                "type",
            )
        )
    modality = given["modality"]
    for key in ("name", "activity"):
        own = expected["modality"][key]
        if not _same(modality[key], own):
            problems.append(
                Problem(
                    f"{at}.modality.{key}",
                    f'"{own}" (the catalog\'s {key} of {modality["id"]})',
                    modality[key],
                    "catalog",
                )
            )
    sizes = {name: len(body[name]) if type(body[name]) is list else 0 for name in _TABLES.values()}
    problems += _indexes(at, given, sizes)
    for key, wording in _DIFFERENCES.items():
        if key not in expected:
            continue
        found = given.get(key, [])
        if key == "score":
            found = _score_as_written(found, expected[key])
        if not _same(found, expected[key]):
            wanted, rule = wording(expected[key])
            shown = (
                given[key].get("value", MISSING)
                if key == "score" and type(given[key]) is dict
                else found
            )
            problems.append(Problem(f"{at}.{key}", wanted, shown, rule))
    return problems


def _list_problems(
    name: str,
    body: Mapping[str, Any],
    expected: Mapping[str, Any],
    placed: Mapping[str, tuple[str, int]],
) -> list[Problem]:
    """One list of entries: each where rank() puts it, in ranking order.

    A ranking cut short (as ``--top`` cuts it) lists fewer.
    """
    given = body.get(name, [])
    if type(given) is not list:
        return [Problem(f"$.{name}", "an array", given, "type")]
    computed = {entry["modality"]["id"]: entry for entry in expected[name]}
    places = [placed.get(_modality_id(entry) or "", (name, -1)) for entry in given]
    problems = [
        Problem(
            f"$.{name}[{index}]",
            f"{name} in ranking order (score, active, id)",
            _modality_id(given[index]),
            "order",
        )
        for index in range(1, len(given))
        if places[index][0] == places[index - 1][0] == name
        and 0 <= places[index][1] < places[index - 1][1]
    ]
    seen: set[str] = set()
    for index, entry in enumerate(given):
        at = f"$.{name}[{index}]"
        fields = _shaped(at, entry, _ENTRY_KEYS[name], problems)
        modality = (
            None
            if fields is None
            else _shaped(f"{at}.modality", fields["modality"], _MODALITY_KEYS, problems)
        )
        if fields is None or modality is None:
            continue
        modality_id = _modality_id(fields)
        where = places[index][0]
        if modality_id is None or modality_id not in placed:
            wanted, rule = (
                "the id of a modality of the catalog the ranking was computed on",
                "unknown_modality",
            )
        elif modality_id in seen:
            wanted, rule = "a unique id", "duplicate_id"
        elif where != name:
            wanted, rule = (
                f"an entry the patient's constraints and the policy put in {where}",
                "misplaced",
            )
        else:
            seen.add(modality_id)
            problems += _entry_problems(at, fields, computed[modality_id], body)
            continue
        problems.append(Problem(f"{at}.modality.id", wanted, modality["id"], rule))
    return problems


def read_ranking(
    document: object, catalog: Catalog | None, made: cattrs.Converter, digest: Digest
) -> Ranking:
    """Read a parsed ranking (its ``schema_version`` removed) against ``catalog``: rank again.

    ``catalog`` is the one the ranking was computed on (the built-in catalog when ``None``):
    the document's ``catalog.digest`` must be its ``digest``. The header (pain type, patient,
    weights, policy) is read with ``made`` and ranked again; every place where the document
    differs from the ranking computed (written with ``made``) is a problem at its path.
    """
    if catalog is not None and not isinstance(catalog, Catalog):
        raise invalid("$.catalog", "a Catalog or None", type(catalog).__name__, "type")
    catalog = default_catalog() if catalog is None else catalog
    problems: list[Problem] = []
    body = _shaped("$", document, _RANKING_KEYS, problems)
    if body is None:
        raise ValidationError(problems)
    _check_digest(body["catalog"], catalog, digest)
    ranking = _header(body, catalog, made)
    placed = {
        entry.modality.id: (name, index)
        for name, entries in _lists(ranking)
        for index, entry in enumerate(entries)
    }
    listed = {
        name: {_modality_id(entry) for entry in body.get(name, [])}
        if type(body.get(name, [])) is list
        else set()
        for name in _ENTRY_KEYS
    }
    ranking = attrs.evolve(  # the entries the document lists (--top lists fewer)
        ranking,
        options=tuple(e for e in ranking.options if e.modality.id in listed["options"]),
        unranked=tuple(e for e in ranking.unranked if e.modality.id in listed["unranked"]),
        excluded=tuple(e for e in ranking.excluded if e.modality.id in listed["excluded"]),
    )
    expected = made.unstructure(ranking)
    problems += [
        Problem(
            f"$.{name}",
            f"the {len(expected[name])} {name} the entries cite, in the order first cited",
            body[name] if type(body[name]) is not list else len(body[name]),
            "table",
        )
        for name in ("findings", "recommendations", "assessments")
        if name in body and not _same(body[name], expected[name])
    ]
    problems = [
        problem for name in _ENTRY_KEYS for problem in _list_problems(name, body, expected, placed)
    ] + problems
    if problems:
        raise ValidationError(problems)
    return ranking
