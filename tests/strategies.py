"""Hypothesis strategies for every public record, shared by the property tests.

``st.builds`` does not read attrs validators, so each record gets an explicit strategy
whose values obey the record's rules. Catalogs are built with ``Catalog.assemble`` so
that composite programmes always carry exactly their components' findings.

Strategy builders are memoised: a strategy built once is validated once, where one built
afresh on every draw is validated again each time (most of the time of the
generated-catalog properties went there).
"""

import functools
import operator
import string
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from painmodalities import (
    FAMILIES,
    Activity,
    Assessment,
    AssessmentKind,
    Catalog,
    Certainty,
    Coding,
    Comparator,
    Condition,
    Contribution,
    Coverage,
    Direction,
    Effect,
    Exclusion,
    ExclusionReason,
    Exercise,
    ExerciseForm,
    Finding,
    Horizon,
    Massage,
    MassageTechnique,
    Measure,
    Modality,
    Omission,
    Outcome,
    PainType,
    Patient,
    Phase,
    PhysicalTherapy,
    Precaution,
    RankedOption,
    Ranking,
    Reason,
    Recommendation,
    Score,
    ScoringPolicy,
    Source,
    Statistic,
    Strength,
    UnrankedOption,
    Weights,
    default_catalog,
    rank,
    score,
)

#: Text as users type it: any Unicode but lone surrogates (which are not UTF-8).
TEXT = st.characters(exclude_categories=["Cs"])
SIMPLE_FAMILIES = tuple(family for family in FAMILIES if family is not PhysicalTherapy)


#: Strategies drawn inside the composite strategies below, built once.
_BOOLEANS = st.booleans()
_STUDIES = st.none() | st.integers(1, 500)
_PARTICIPANTS = st.none() | st.integers(1, 100_000)
_MEASURES = st.sampled_from(Measure)
_ACTIVITIES = st.sampled_from(Activity)
_COVERAGES = st.sampled_from(Coverage)
_PRECAUTION_SETS = st.frozensets(st.sampled_from(Precaution))
_SESSION_MINUTES = st.none() | st.integers(1, 120)
_SIMPLE_FAMILY = st.sampled_from(SIMPLE_FAMILIES)


@functools.lru_cache(maxsize=256)
def _optional(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | values


@functools.lru_cache(maxsize=256)
def _id_sets(ids: tuple[str, ...]) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(ids)) if ids else st.just(frozenset[str]())


@functools.cache
def words(min_size: int = 0, max_size: int = 24) -> st.SearchStrategy[str]:
    """Free text, possibly empty."""
    return st.text(TEXT, min_size=min_size, max_size=max_size)


@functools.cache
def names() -> st.SearchStrategy[str]:
    """Non-blank free text."""
    return words(1).filter(str.strip)


@functools.cache
def slugs() -> st.SearchStrategy[str]:
    """One lower-case id segment such as ``m3x``."""
    return st.text(string.ascii_lowercase, min_size=1, max_size=3).flatmap(
        lambda head: st.text(string.ascii_lowercase + string.digits + "_", max_size=4).map(
            lambda tail: head + tail
        )
    )


@functools.cache
def source_keys() -> st.SearchStrategy[str]:
    """Source keys such as ``src-4a``."""
    return st.from_regex(r"\A[a-z0-9][a-z0-9_.-]{0,8}\Z")


@functools.cache
def pain_types() -> st.SearchStrategy[PainType]:
    """Any condition in any phase."""
    return st.builds(PainType, st.sampled_from(Condition), st.sampled_from(Phase))


def sources(key: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Source]:
    """Sources with optional year, URL and provenance."""
    return st.builds(
        Source,
        key=source_keys() if key is None else key,
        title=names(),
        year=st.none() | st.integers(1900, 2100),
        url=words(),
        kind=words(),
        publisher=words(),
        read_confidence=words(),
    )


@functools.cache
def decimals() -> st.SearchStrategy[Decimal]:
    """Exact decimals as a source prints them (``-10.2``, ``0.50``, ``7``)."""
    return st.builds(
        lambda digits, places: Decimal(digits).scaleb(-places),
        st.integers(-999_999, 999_999),
        st.integers(0, 3),
    )


_THREE_DECIMALS = st.lists(decimals(), min_size=3, max_size=3)


@functools.cache
@st.composite
def statistics(draw: st.DrawFn) -> Statistic:
    """Consistent figures: an estimate inside its interval, or counts alone."""
    studies = draw(_STUDIES)
    participants = draw(_PARTICIPANTS)
    scale, locator = draw(words()), draw(words())
    if draw(_BOOLEANS) or studies is participants is None:
        low, estimate, high = sorted(draw(_THREE_DECIMALS))
        interval = draw(_BOOLEANS)
        return Statistic(
            measure=draw(_MEASURES),
            scale=scale,
            estimate=estimate,
            ci_low=low if interval else None,
            ci_high=high if interval else None,
            studies=studies,
            participants=participants,
            locator=locator,
        )
    return Statistic(scale=scale, studies=studies, participants=participants, locator=locator)


@functools.lru_cache(maxsize=64)
def assessments(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Assessment]:
    """Assessments citing one of ``keys``, for a condition in one phase or any."""
    return st.builds(
        Assessment,
        condition=st.sampled_from(Condition),
        phase=st.none() | st.sampled_from(Phase),
        kind=st.sampled_from(AssessmentKind),
        direction=st.sampled_from(Direction),
        verb=names(),
        source=keys,
        locator=words(),
        note=names(),
        read_from=words(),
    )


@functools.lru_cache(maxsize=64)
def findings(
    keys: st.SearchStrategy[str],
    pains: st.SearchStrategy[PainType] | None = None,
) -> st.SearchStrategy[Finding]:
    """Findings citing one of ``keys``, for ``pains`` (any pain type by default)."""
    return st.builds(
        Finding,
        pain_type=pain_types() if pains is None else pains,
        outcome=st.sampled_from(Outcome),
        horizon=st.sampled_from(Horizon),
        effect=st.sampled_from(Effect),
        certainty=st.sampled_from(Certainty),
        comparator=st.sampled_from(Comparator),
        source=keys,
        note=words(),
        statistic=st.none() | statistics(),
    )


@functools.lru_cache(maxsize=64)
def recommendations(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Recommendation]:
    """Recommendations citing one of ``keys``, scoped to a condition, phase, or anything."""
    return st.builds(
        Recommendation,
        condition=st.none() | st.sampled_from(Condition),
        phase=st.none() | st.sampled_from(Phase),
        direction=st.sampled_from(Direction),
        strength=st.sampled_from(Strength),
        certainty=st.none() | st.sampled_from(Certainty),
        source=keys,
        note=words(),
        verb=words(),
        read_from=words(),
        topic=st.sampled_from(["", "massage"]),
    )


@functools.cache
def codings() -> st.SearchStrategy[Coding]:
    """User codings in a made-up code system."""
    return st.builds(
        Coding,
        system=st.just("urn:example:billing"),
        code=st.from_regex(r"\A[A-Z0-9]{1,6}\Z"),
        display=words(),
    )


def _unique_findings(items: list[Finding]) -> tuple[Finding, ...]:
    kept: dict[Any, Finding] = {}
    for item in items:
        kept.setdefault(item.key, item)
    return tuple(kept.values())


#: The fields a family adds to a modality's own.
_FAMILY_FIELDS: dict[type[Modality], st.SearchStrategy[dict[str, Any]]] = {
    Massage: st.fixed_dictionaries(
        {"technique": st.sampled_from(MassageTechnique), "mechanism_established": st.booleans()}
    ),
    Exercise: st.fixed_dictionaries({"form": st.sampled_from(ExerciseForm)}),
}


@st.composite
def modalities(
    draw: st.DrawFn,
    *,
    family: type[Modality] | None = None,
    modality_id: str | None = None,
    keys: st.SearchStrategy[str] | None = None,
    pains: st.SearchStrategy[PainType] | None = None,
    max_findings: int = 8,
) -> Modality:
    """A modality of any simple (non-composite) family, with findings citing ``keys``."""
    keys = source_keys() if keys is None else keys
    family = draw(_SIMPLE_FAMILY) if family is None else family
    found = draw(st.lists(findings(keys, pains), max_size=max_findings))
    return family(
        id=draw(slugs().map(lambda slug: f"{family.kind}.{slug}"))
        if modality_id is None
        else modality_id,
        name=draw(names()),
        # A massage is passive by definition (the record refuses an active one).
        activity=Activity.PASSIVE if family is Massage else draw(_ACTIVITIES),
        summary=draw(words()),
        session_minutes=draw(_SESSION_MINUTES),
        coverage=draw(_COVERAGES),
        precautions=draw(_PRECAUTION_SETS),
        precautions_source=draw(_optional(keys)),
        findings=_unique_findings(found),
        recommendations=tuple(draw(st.lists(recommendations(keys), max_size=2))),
        codings=tuple(draw(st.lists(codings(), max_size=1))),
        **draw(_FAMILY_FIELDS.get(family, st.just({}))),
    )


@functools.lru_cache(maxsize=256)
def _keys(keys: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.sampled_from(keys)


def _modality_id(kind: tuple[type[Modality], str]) -> str:
    return f"{kind[0].kind}.{kind[1]}"


@functools.cache
def _kinds(min_size: int, max_size: int) -> st.SearchStrategy[list[tuple[type[Modality], str]]]:
    """Unique (family, slug) pairs: the modalities of a catalog."""
    return st.lists(
        st.tuples(_SIMPLE_FAMILY, slugs()),
        min_size=min_size,
        max_size=max_size,
        unique_by=_modality_id,
    )


_SOURCE_LISTS = st.lists(sources(), min_size=1, max_size=4, unique_by=operator.attrgetter("key"))
_PROGRAMME_IDS = slugs().map(lambda slug: f"physical_therapy.{slug}")


@st.composite
def catalogs(
    draw: st.DrawFn,
    *,
    min_size: int = 0,
    max_size: int = 8,
    pains: st.SearchStrategy[PainType] | None = None,
    composites: bool = True,
) -> Catalog:
    """A consistent catalog: unique ids, cited sources present, programmes assembled."""
    source_list = draw(_SOURCE_LISTS)
    keys = _keys(tuple(source.key for source in source_list))
    kinds = draw(_kinds(min_size, max_size))
    members: list[Modality] = [
        draw(
            modalities(family=family, modality_id=f"{family.kind}.{slug}", keys=keys, pains=pains)
        )
        for family, slug in kinds
    ]
    if composites and members and draw(_BOOLEANS):
        parts = draw(
            st.lists(st.sampled_from([m.id for m in members]), min_size=1, max_size=3, unique=True)
        )
        members.append(
            PhysicalTherapy(
                id=draw(_PROGRAMME_IDS),
                name=draw(names()),
                activity=draw(_ACTIVITIES),
                session_minutes=draw(_SESSION_MINUTES),
                coverage=draw(_COVERAGES),
                precautions=draw(_PRECAUTION_SETS),
                components=tuple(parts),
            )
        )
    return Catalog.assemble(
        members, source_list, draw(st.lists(assessments(keys), max_size=2, unique=True))
    )


def _weights_or_none(
    function: float, durability: float, activity: float, pain: float
) -> Weights | None:
    if not any((function, durability, activity, pain)):
        return None
    return Weights(function=function, durability=durability, activity=activity, pain=pain)


@functools.cache
def _weight_values(positive: bool) -> st.SearchStrategy[tuple[float, float, float, float]]:
    low = 1 if positive else 0
    weight = st.integers(low, 20) | st.floats(
        0.01 if positive else 0, 10, allow_nan=False, allow_infinity=False
    )
    return st.tuples(weight, weight, weight, weight).filter(any)


@st.composite
def weights(draw: st.DrawFn, *, positive: bool = False) -> Weights:
    """Valid weights; with ``positive``, every weight above zero."""
    values = draw(_weight_values(positive))
    built = _weights_or_none(*values)
    assert built is not None
    return built


@functools.cache
def policies() -> st.SearchStrategy[ScoringPolicy]:
    """Any scoring policy."""
    return st.builds(
        ScoringPolicy,
        min_certainty=st.sampled_from(Certainty),
        comparators=st.frozensets(st.sampled_from(Comparator), min_size=1),
        exclude_against=st.booleans(),
    )


@st.composite
def patients(draw: st.DrawFn, catalog: Catalog) -> Patient:
    """A patient whose named ids all come from ``catalog``."""
    id_sets = _id_sets(tuple(catalog.ids))
    known = draw(st.none() | st.booleans())  # None: the default (known when any is given)
    return Patient(
        precautions=draw(_PRECAUTION_SETS),
        covered=draw(_optional(id_sets)),
        max_session_minutes=draw(_SESSION_MINUTES),
        exclude=draw(id_sets),
        **({} if known is None else {"precautions_known": known}),
    )


# -- scores, rankings and JSON values (added for the JSON interoperability tests) ------------


@st.composite
def rankings(draw: st.DrawFn, *, max_size: int = 6) -> Ranking:
    """A ranking of a generated catalog for a generated patient, weights and policy."""
    # Most findings are about the pain type ranked, or nothing would be ranked.
    pain = draw(pain_types())
    catalog = draw(catalogs(max_size=max_size, pains=st.just(pain) | pain_types()))
    return rank(
        pain,
        catalog=catalog,
        patient=draw(patients(catalog)),
        weights=draw(weights()),
        policy=draw(policies()),
    )


@st.composite
def scores(draw: st.DrawFn) -> Score:
    """The score of a generated modality under generated weights and policy."""
    pains = st.shared(pain_types(), key="score-pain")
    return score(
        draw(modalities(pains=pains | pain_types())),
        draw(pains),
        draw(weights()),
        draw(policies()),
    )


def contributions() -> st.SearchStrategy[Contribution]:
    """One criterion's contribution to a generated score."""
    return scores().flatmap(lambda result: st.sampled_from(result.contributions))


@st.composite
def default_rankings(draw: st.DrawFn) -> Ranking:
    """A ranking of the built-in catalog for a generated pain type, patient, weights, policy."""
    catalog = default_catalog()
    return rank(
        draw(pain_types()),
        catalog=catalog,
        patient=draw(patients(catalog)),
        weights=draw(weights()),
        policy=draw(policies()),
    )


def ranked_options() -> st.SearchStrategy[RankedOption]:
    """An option of a ranking of the built-in catalog."""
    return default_rankings().filter(len).flatmap(lambda ranking: st.sampled_from(ranking.options))


def unranked_options() -> st.SearchStrategy[UnrankedOption]:
    """An unranked option of a ranking of the built-in catalog."""
    return (
        default_rankings()
        .filter(lambda ranking: ranking.unranked)
        .flatmap(lambda ranking: st.sampled_from(ranking.unranked))
    )


def omissions() -> st.SearchStrategy[Omission]:
    """A programme component left out, with one or more reasons."""
    return st.builds(
        Omission,
        component=slugs().map(lambda slug: f"massage.{slug}"),
        name=names(),
        reasons=st.lists(reasons(), min_size=1, max_size=3).map(tuple),
    )


@functools.cache
def reasons() -> st.SearchStrategy[Reason]:
    """A reason to rule a modality out."""
    return st.builds(Reason, code=st.sampled_from(ExclusionReason), detail=names())


def exclusions() -> st.SearchStrategy[Exclusion]:
    """A modality ruled out, with one or more reasons."""
    return st.builds(
        Exclusion,
        modality=modalities(),
        reasons=st.lists(reasons(), min_size=1, max_size=3).map(tuple),
        recommendations=st.lists(recommendations(source_keys()), max_size=2).map(tuple),
    )


#: Every JSON value orjson writes: 64-bit integers, finite floats, any text.
JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | words(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(words(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)

#: A path into a JSON document: object keys and array indexes from the root.
JsonPath = tuple[str | int, ...]


def json_paths(value: object, here: JsonPath = ()) -> list[JsonPath]:
    """Every path into the JSON ``value``, the root (``()``) included."""
    found = [here]
    if isinstance(value, dict):
        for key, item in value.items():
            found += json_paths(item, (*here, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += json_paths(item, (*here, index))
    return found


def value_at(document: Any, path: JsonPath) -> Any:
    """The value at ``path`` in ``document``."""
    for step in path:
        document = document[step]
    return document


# -- strategies of the ranking tests ---------------------------------------------------------

# Most generated findings should be about the pain type being ranked, or every score is 0.
FEW_PAINS = st.sampled_from([PainType.parse("low_back:chronic"), PainType.parse("neck:acute")])
ANY_CATALOG = catalogs(pains=FEW_PAINS) | st.just(default_catalog())


@st.composite
def ranked_rankings(draw: st.DrawFn) -> Ranking:
    """A ranking of a generated catalog whose findings are mostly about the pain type ranked,
    with no patient constraints: most such rankings rank several options.
    """
    pain = draw(pain_types())
    catalog = draw(catalogs(min_size=2, pains=st.just(pain)))
    return rank(pain, catalog=catalog, weights=draw(weights()), policy=draw(policies()))


@st.composite
def rank_requests(
    draw: st.DrawFn,
) -> list[tuple[Catalog, PainType, Patient, Weights, ScoringPolicy]]:
    """Several rank() calls over two catalogs, drawn so that keys repeat and interleave."""
    pool = [draw(catalogs(max_size=5)), draw(catalogs(max_size=5))]
    calls = []
    for _ in range(draw(st.integers(1, 5))):
        catalog = draw(st.sampled_from(pool))
        calls.append(
            (
                catalog,
                draw(pain_types()),
                draw(patients(catalog)),
                draw(weights()),
                draw(policies()),
            )
        )
    return calls
