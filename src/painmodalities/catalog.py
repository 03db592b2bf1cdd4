"""The catalog: an immutable, integrity-checked collection of modalities and their sources.

A :class:`Catalog` holds modalities and the sources they cite in the order given (the
built-in one in the dossier's order), so iteration is stable and error paths point at the
document's own positions. It checks
that ids are unique, that every cited source exists, that every component exists, that no
programme contains itself, and that a programme's findings are exactly its components'.
It reports every problem found, not only the first.

>>> from painmodalities import default_catalog
>>> catalog = default_catalog()
>>> catalog["exercise.therapeutic"].name
'Therapeutic exercise'
>>> [modality.id for modality in catalog.select(kind="physical_therapy")]
['physical_therapy.programme']
"""

import operator
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Final, TypeVar, overload

import attrs

from painmodalities import _rules as check
from painmodalities._record import Record
from painmodalities._rules import as_tuple, reduce_by_init_fields
from painmodalities.errors import (
    CatalogIntegrityError,
    Problem,
    UnknownModalityError,
    UnknownSourceError,
    ValidationError,
)
from painmodalities.evidence import Assessment, Finding, PainType, Recommendation, Source
from painmodalities.modalities import FAMILIES, Modality, PhysicalTherapy
from painmodalities.vocabulary import Activity

__all__ = ["Catalog", "composite_findings"]

#: The family tags :meth:`Catalog.select` filters by, and how its error names them.
_KINDS: Final = frozenset(family.kind for family in FAMILIES)
_KINDS_EXPECTED: Final = "a modality kind: " + check.choices(family.kind for family in FAMILIES)
_ACTIVITY: Final = check.member_of(Activity)

T = TypeVar("T")


def _check_items(kind: type, description: str) -> Callable[[Any, Any, Any], None]:
    def check(_instance: object, attribute: Any, value: object) -> None:
        if not isinstance(value, tuple):
            raise CatalogIntegrityError(
                Problem(f"$.{attribute.name}", f"a list of {description}", value, "type")
            )
        wrong = [
            Problem(f"$.{attribute.name}[{index}]", description, item, "type")
            for index, item in enumerate(value)
            if not isinstance(item, kind)
        ]
        if wrong:
            raise CatalogIntegrityError(wrong)

    return check


class _Keep:
    """A catalog's slot for the helpers built from it, one per type.

    The helpers are the ranking caches and the digest of its canonical JSON. Each is made
    on first use, once even when threads race, and kept until the catalog goes; helpers of
    different types never evict each other. A pickled catalog carries no helper: its copy
    makes its own.
    """

    __slots__ = ("_lock", "_values")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[type, object] = {}

    def get(self, kind: type[T], build: Callable[[], T]) -> T:
        """The helper, an instance of ``kind``; made by ``build()`` if there is none yet."""
        found = self._values.get(kind)
        if not isinstance(found, kind):
            with self._lock:
                found = self._values.get(kind)
                if not isinstance(found, kind):
                    found = build()
                    self._values[kind] = found
        return found


def composite_findings(
    programme: PhysicalTherapy, modalities: Mapping[str, Modality]
) -> tuple[Finding, ...]:
    """The findings a programme carries: each component's findings, naming that component.

    Exact duplicates collapse to one; ``modalities`` maps ids to the catalog's modalities.
    """
    carried: dict[Finding, None] = {}
    for component in programme.components:
        for finding in modalities[component].findings:
            carried[attrs.evolve(finding, component=component)] = None
    return tuple(carried)


@attrs.frozen(repr=False, kw_only=True, eq=False)
class Catalog(Record):
    """An immutable, integrity-checked set of modalities and the sources they cite.

    Attributes:
        modalities: the modalities, in the order given.
        sources: the cited sources, in the order given.
        assessments: what guidelines ask before treating each condition (shown beside
            rankings and plans, never scored), in the order given.
    """

    modalities: tuple[Modality, ...] = attrs.field(
        converter=as_tuple, validator=_check_items(Modality, "a modality")
    )
    sources: tuple[Source, ...] = attrs.field(
        default=(), converter=as_tuple, validator=_check_items(Source, "a source")
    )
    assessments: tuple[Assessment, ...] = attrs.field(
        default=(), converter=as_tuple, validator=_check_items(Assessment, "an assessment")
    )
    _by_id: Mapping[str, Modality] = attrs.field(
        init=False, eq=False, repr=False, hash=False, default=MappingProxyType({})
    )
    _by_key: Mapping[str, Source] = attrs.field(
        init=False, eq=False, repr=False, hash=False, default=MappingProxyType({})
    )
    # The one helper kept with this catalog (the ranking caches): it lives and dies with
    # this catalog, so one catalog's results can never be served for another.
    _keep: "_Keep" = attrs.field(init=False, eq=False, repr=False, hash=False, factory=_Keep)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_by_id", MappingProxyType({m.id: m for m in self.modalities}))
        object.__setattr__(self, "_by_key", MappingProxyType({s.key: s for s in self.sources}))
        problems = self._integrity_problems()
        if problems:
            raise CatalogIntegrityError(problems)

    @classmethod
    def assemble(
        cls,
        modalities: Iterable[Modality],
        sources: Iterable[Source] = (),
        assessments: Iterable[Assessment] = (),
    ) -> "Catalog":
        """Build a catalog, first filling each programme's findings from its components.

        Use it after changing a component's evidence: the programme follows.
        """
        by_id = {modality.id: modality for modality in modalities}
        done: dict[str, Modality] = {}

        def resolve(modality_id: str, trail: tuple[str, ...]) -> None:
            modality = by_id[modality_id]
            if modality_id in done or modality_id in trail:
                return
            if isinstance(modality, PhysicalTherapy):
                for component in modality.components:
                    if component in by_id:
                        resolve(component, (*trail, modality_id))
                if all(component in done for component in modality.components):
                    modality = attrs.evolve(modality, findings=composite_findings(modality, done))
            done[modality_id] = modality

        for modality_id in by_id:
            resolve(modality_id, ())
        return cls(
            modalities=tuple(done.values()),
            sources=tuple(sources),
            assessments=tuple(assessments),
        )

    def extend(
        self,
        other: "Catalog | Iterable[Modality]",
        *,
        sources: Iterable[Source] = (),
        assessments: Iterable[Assessment] = (),
        replace: bool = False,
    ) -> "Catalog":
        """A new catalog: this one plus ``other``'s modalities, sources and assessments.

        ``other`` is a catalog, or modalities that may cite this catalog's sources and use
        its modalities as components (then give their new ``sources``, and any new
        ``assessments``). Assessments are added after this catalog's, an equal one once.
        The rules:

        - a modality whose id this catalog uses is an error, unless ``replace`` is true:
          then it takes the old one's place;
        - a source whose key this catalog uses must be equal to this catalog's (a key names
          one source); an equal one is merged;
        - programmes are re-assembled (:meth:`assemble`), so a programme whose component
          was replaced carries the new component's findings. A new programme given with
          findings must give exactly its components' findings; given none, it gets them.

        Raises:
            CatalogIntegrityError: listing every problem, with paths into ``other``
                (``$.modalities[2].id``, ``$.sources[0]``); a problem that lies in this
                catalog has a path starting ``$.base``.
        """
        check.argument("replace", replace, check.boolean)
        if isinstance(other, Catalog):
            added, new_sources = other.modalities, (*other.sources, *sources)
            new_assessments = (*other.assessments, *assessments)
        else:
            added, new_sources, new_assessments = tuple(other), tuple(sources), tuple(assessments)
        problems = _merge_problems(self, added, new_sources, replace=replace)
        if problems:
            raise CatalogIntegrityError(problems)
        merged = dict(self._by_id)
        origin = {modality_id: f"$.base.modalities[{i}]" for i, modality_id in enumerate(merged)}
        for index, modality in enumerate(added):
            merged[modality.id] = modality
            origin[modality.id] = f"$.modalities[{index}]"
        kept_sources = dict(self._by_key)
        source_origin = {key: f"$.base.sources[{i}]" for i, key in enumerate(kept_sources)}
        for index, source in enumerate(new_sources):
            if source.key not in kept_sources:
                kept_sources[source.key] = source
                source_origin[source.key] = f"$.sources[{index}]"
        paths = [origin[modality_id] for modality_id in merged]
        source_paths = [source_origin[key] for key in kept_sources]
        try:
            assessments = dict.fromkeys((*self.assessments, *new_assessments))
            result = Catalog.assemble(merged.values(), kept_sources.values(), assessments)
        except ValidationError as error:
            # A component cycle can stop assembly before the integrity check names it.
            found = error.problems
            if not isinstance(error, CatalogIntegrityError):
                found = _plain_problems(tuple(merged.values()), tuple(kept_sources.values()))
            raise CatalogIntegrityError(
                _moved(problem, paths, source_paths) for problem in found or error.problems
            ) from None
        wrong = [
            Problem(
                f"$.modalities[{index}].findings",
                "exactly the components' findings, each naming its component, or none",
                f"{len(modality.findings)} findings",
                "component_findings",
            )
            for index, modality in enumerate(added)
            if isinstance(modality, PhysicalTherapy)
            and modality.findings
            and set(modality.findings) != set(result[modality.id].findings)
        ]
        if wrong:
            raise CatalogIntegrityError(wrong)
        return result

    def __reduce__(self) -> tuple[Any, ...]:
        return reduce_by_init_fields(self)  # caches and indexes are rebuilt, never pickled

    def _kept(self, kind: type[T], build: Callable[["Catalog"], T]) -> T:
        """The helper of type ``kind`` kept with this catalog, made by ``build(self)`` at first."""
        return self._keep.get(kind, lambda: build(self))

    # -- integrity ---------------------------------------------------------------------

    def _integrity_problems(self) -> list[Problem]:
        problems: list[Problem] = []
        problems += _duplicates([m.id for m in self.modalities], "modalities", "id")
        problems += _duplicates([s.key for s in self.sources], "sources", "key")
        keys = self._by_key.keys()
        for index, modality in enumerate(self.modalities):
            at = f"$.modalities[{index}]"
            # Whole modalities are checked at C speed; only a failing one is walked.
            if not keys >= set(map(_source_of, modality.findings)):
                problems += (
                    _unknown_source(f"{at}.findings[{number}]", finding.source)
                    for number, finding in enumerate(modality.findings)
                    if finding.source not in keys
                )
            if not keys >= set(map(_source_of, modality.recommendations)):
                problems += (
                    _unknown_source(f"{at}.recommendations[{number}]", recommendation.source)
                    for number, recommendation in enumerate(modality.recommendations)
                    if recommendation.source not in keys
                )
            if modality.precautions_source is not None and modality.precautions_source not in keys:
                problems.append(
                    Problem(
                        f"{at}.precautions_source",
                        "the key of a source in the catalog",
                        modality.precautions_source,
                        "unknown_source",
                    )
                )
            if isinstance(modality, PhysicalTherapy):
                problems += self._component_problems(at, modality)
        problems += (
            _unknown_source(f"$.assessments[{index}]", assessment.source)
            for index, assessment in enumerate(self.assessments)
            if assessment.source not in keys
        )
        return problems

    def _component_problems(self, at: str, programme: PhysicalTherapy) -> list[Problem]:
        missing = [
            Problem(
                f"{at}.components[{number}]",
                "the id of a modality in the catalog",
                component,
                "unknown_component",
            )
            for number, component in enumerate(programme.components)
            if component not in self._by_id
        ]
        if missing:
            return missing
        if self._reaches(programme.id, programme.components):
            return [
                Problem(
                    f"{at}.components",
                    "components that do not contain the programme itself",
                    list(programme.components),
                    "component_cycle",
                )
            ]
        expected = [
            (component, finding)
            for component in programme.components
            for finding in self._by_id[component].findings
        ]
        if not _in_order(programme.findings, expected) and _carried(programme) != {
            (component, _content(finding)) for component, finding in expected
        }:
            return [
                Problem(
                    f"{at}.findings",
                    "exactly the components' findings, each naming its component "
                    "(build with Catalog.assemble)",
                    f"{len(programme.findings)} findings",
                    "component_findings",
                )
            ]
        return []

    def _reaches(self, target: str, start: Iterable[str]) -> bool:
        stack, seen = list(start), set()
        while stack:
            current = stack.pop()
            if current == target:
                return True
            if current in seen:
                continue
            seen.add(current)
            modality = self._by_id.get(current)
            if isinstance(modality, PhysicalTherapy):
                stack.extend(modality.components)
        return False

    # -- lookup ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.modalities)

    def __iter__(self) -> Iterator[Modality]:
        return iter(self.modalities)

    def __contains__(self, modality_id: object) -> bool:
        return modality_id in self._by_id

    def __getitem__(self, modality_id: str) -> Modality:
        try:
            return self._by_id[modality_id]
        except (KeyError, TypeError):
            raise UnknownModalityError.for_id(str(modality_id), self._by_id) from None

    @overload
    def get(self, modality_id: str) -> Modality | None: ...
    @overload
    def get(self, modality_id: str, default: Modality) -> Modality: ...
    def get(self, modality_id: str, default: Modality | None = None) -> Modality | None:
        """The modality with ``modality_id``, or ``default``."""
        return self._by_id.get(modality_id, default)

    @property
    def ids(self) -> tuple[str, ...]:
        """Every modality id, in catalog order."""
        return tuple(self._by_id)

    def source(self, key: str) -> Source:
        """The source with ``key``.

        Raises:
            UnknownSourceError: when the catalog cites no such source.
        """
        try:
            return self._by_key[key]
        except (KeyError, TypeError):
            raise UnknownSourceError.for_key(str(key), self._by_key) from None

    def select(
        self,
        *,
        kind: str | None = None,
        activity: Activity | str | None = None,
        pain_type: PainType | str | None = None,
    ) -> tuple[Modality, ...]:
        """The modalities that pass every filter given (``None`` does not filter).

        Args:
            kind: a family tag, such as ``"massage"``.
            activity: an :class:`Activity` or its value, such as ``"active"``.
            pain_type: a :class:`PainType` or ``"condition:phase"``; keeps the modalities
                with at least one finding for it.

        Raises:
            ValidationError: for a filter value the library does not know (``"masage"``),
                so a misspelt filter never reads as "no such modality".

        >>> from painmodalities import default_catalog
        >>> [m.id for m in default_catalog().select(kind="exercise", activity="active")][:2]
        ['exercise.therapeutic', 'exercise.yoga']
        """
        if kind is not None and (type(kind) is not str or kind not in _KINDS):
            raise ValidationError(check.ArgumentProblem("$.kind", _KINDS_EXPECTED, kind, "enum"))
        wanted = None if activity is None else _ACTIVITY.coerce(activity, "$.activity")
        pains = None if pain_type is None else PainType.coerce(pain_type)
        return tuple(
            modality
            for modality in self.modalities
            if (kind is None or modality.kind == kind)
            and (wanted is None or modality.activity is wanted)
            and (pains is None or modality.findings_for(pains))
        )

    def assessments_for(self, pain_type: PainType | str) -> tuple[Assessment, ...]:
        """The assessments a guideline asks for before treating ``pain_type``, in order.

        Raises:
            ValidationError: for a ``pain_type`` that is neither a pain type nor its text.
        """
        found = PainType.coerce(pain_type)
        return tuple(assessment for assessment in self.assessments if assessment.applies_to(found))

    def pain_types(self) -> tuple[PainType, ...]:
        """Every pain type some finding in the catalog is about, sorted."""
        return tuple(
            sorted({finding.pain_type for modality in self for finding in modality.findings})
        )


#: A finding's fields other than ``component``: what a programme copies from it.
_content: Callable[[Finding], tuple[object, ...]] = operator.attrgetter(
    *(field.name for field in attrs.fields(Finding) if field.name != "component")
)
_source_of: Callable[[Finding | Recommendation], str] = operator.attrgetter("source")


def _carried(programme: PhysicalTherapy) -> set[tuple[str | None, tuple[object, ...]]]:
    """A programme's findings as (component, content) pairs.

    Equal to the pairs of its components' findings exactly when its findings equal
    ``composite_findings(...)``, without building a finding per comparison.
    """
    return {(finding.component, _content(finding)) for finding in programme.findings}


def _in_order(carried: tuple[Finding, ...], expected: list[tuple[str, Finding]]) -> bool:
    """Whether a programme carries exactly ``expected`` (component, finding) pairs, in order.

    What :meth:`Catalog.assemble` writes; a cheap first test before the order-free one.
    """
    return len(carried) == len(expected) and all(
        finding.component == component and _content(finding) == _content(source)
        for finding, (component, source) in zip(carried, expected, strict=True)
    )


def _duplicates(values: list[str], field: str, name: str) -> list[Problem]:
    if len(set(values)) == len(values):
        return []
    seen: set[str] = set()
    problems = []
    for index, value in enumerate(values):
        if value in seen:
            problems.append(
                Problem(f"$.{field}[{index}].{name}", f"a unique {name}", value, "duplicate_id")
            )
        seen.add(value)
    return problems


def _merge_problems(
    base: Catalog, added: tuple[Modality, ...], sources: tuple[Source, ...], *, replace: bool
) -> list[Problem]:
    problems = [
        Problem(f"$.modalities[{index}]", "a modality", modality, "type")
        for index, modality in enumerate(added)
        if not isinstance(modality, Modality)
    ] + [
        Problem(f"$.sources[{index}]", "a source", source, "type")
        for index, source in enumerate(sources)
        if not isinstance(source, Source)
    ]
    if problems:
        return problems
    problems += _duplicates([m.id for m in added], "modalities", "id")
    problems += _duplicates([s.key for s in sources], "sources", "key")
    if not replace:
        problems += [
            Problem(
                f"$.modalities[{index}].id",
                "an id the base catalog does not use (or replace=True to replace it)",
                modality.id,
                "duplicate_id",
            )
            for index, modality in enumerate(added)
            if modality.id in base
        ]
    for index, source in enumerate(sources):
        known = base._by_key.get(source.key)
        if known is not None and known != source:
            problems.append(
                Problem(
                    f"$.sources[{index}]",
                    f'the same source as the base catalog\'s "{source.key}" '
                    "(a key names one source)",
                    source.title,
                    "source_clash",
                )
            )
    return problems


def _plain_problems(
    modalities: tuple[Modality, ...], sources: tuple[Source, ...]
) -> tuple[Problem, ...]:
    """The integrity problems of the catalog as given, not assembled, other than findings."""
    try:
        Catalog(modalities=modalities, sources=sources)
    except CatalogIntegrityError as error:
        return tuple(p for p in error.problems if p.rule != "component_findings")
    return ()


# compiled on first use (by the ``re`` module's cache): only a failed merge reads it
_PATH = r"\$\.(modalities|sources)\[(\d+)\]"


def _moved(problem: Problem, paths: list[str], source_paths: list[str]) -> Problem:
    """``problem``, its path in the merged catalog made a path in the input it came from."""
    found = re.match(_PATH, problem.path)
    if found is None:
        return problem
    where = paths if found.group(1) == "modalities" else source_paths
    moved = where[int(found.group(2))] + problem.path[found.end() :]
    return Problem(moved, problem.expected, problem.value, problem.rule)


def _unknown_source(at: str, key: str) -> Problem:
    return Problem(f"{at}.source", "the key of a source in the catalog", key, "unknown_source")
