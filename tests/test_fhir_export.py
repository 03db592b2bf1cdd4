"""FHIR export: the catalog and rankings as R4B and R5 bundles that fhir.resources accepts."""

import importlib
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painmodalities import (
    Activity,
    Acupuncture,
    Catalog,
    Certainty,
    Coding,
    Comparator,
    Condition,
    Effect,
    Exercise,
    ExerciseForm,
    Finding,
    Horizon,
    Measure,
    Modality,
    Outcome,
    PainType,
    Patient,
    Phase,
    PhysicalAgent,
    PhysicalTherapy,
    Precaution,
    Psychological,
    Ranking,
    Rehabilitation,
    Source,
    Statistic,
    ValidationError,
    default_catalog,
    from_json,
    rank,
)
from painmodalities import _words as words
from painmodalities.fhir import (
    CANONICAL_BASE,
    CERTAINTY_SYSTEMS,
    SNOMED_SYSTEM,
    SNOMED_VERIFIED,
    export_catalog,
    export_ranking,
    fhir_id,
)
from tests.strategies import statistics

VERSIONS = ("R4B", "R5")
PACKAGES = {"R4B": "fhir.resources.R4B", "R5": "fhir.resources"}
GRADE_CODES = {"high", "moderate", "low", "very-low"}
BILLING = "http://example.org/billing-codes"


def _model(version: str, name: str) -> Any:
    return importlib.import_module(PACKAGES[version]).get_fhir_model_class(name)


def _validate(bundle: dict[str, Any], version: str) -> None:
    """The bundle and every resource in it parse with the version's fhir.resources models."""
    _model(version, "Bundle").model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        _model(version, resource["resourceType"]).model_validate(resource)
    json.dumps(bundle, allow_nan=False)


def _walk(value: object) -> Iterator[dict[str, Any]]:
    """Every JSON object inside ``value``, depth first."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _snomed_codes(value: object) -> set[str]:
    return {
        str(found.get("code")) for found in _walk(value) if found.get("system") == SNOMED_SYSTEM
    }


def _assert_only_verified_snomed(bundle: dict[str, Any]) -> None:
    """Every SNOMED CT coding anywhere in the export is a verified row, with its display."""
    for found in _walk(bundle):
        if found.get("system") == SNOMED_SYSTEM:
            assert found["code"] in SNOMED_VERIFIED, found
            assert found["display"] == SNOMED_VERIFIED[found["code"]].display


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _by_url(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["resource"]["url"]: e["resource"] for e in bundle["entry"] if "url" in e["resource"]}


# -- the built-in catalog -----------------------------------------------------------------


@pytest.fixture(scope="module", params=VERSIONS)
def version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def catalog_bundle(version: str) -> dict[str, Any]:
    return export_catalog(version=version)


def test_builtin_catalog_validates(catalog_bundle: dict[str, Any], version: str) -> None:
    """The built-in catalog exports as a valid FHIR collection Bundle."""
    _validate(catalog_bundle, version)
    assert catalog_bundle["type"] == "collection"


def test_builtin_catalog_only_verified_snomed(catalog_bundle: dict[str, Any]) -> None:
    """The catalog export carries the verified modality codes, and no other SNOMED CT code."""
    _assert_only_verified_snomed(catalog_bundle)
    modality_codes = {code for code, concept in SNOMED_VERIFIED.items() if concept.is_modality}
    assert _snomed_codes(catalog_bundle) == modality_codes


def test_one_activity_definition_per_modality(catalog_bundle: dict[str, Any]) -> None:
    """Each modality is one active ActivityDefinition of kind ServiceRequest, in a plan."""
    catalog = default_catalog()
    definitions = _resources(catalog_bundle, "ActivityDefinition")
    assert [d["title"] for d in definitions] == [m.name for m in catalog]
    assert [d["identifier"][0]["value"] for d in definitions] == list(catalog.ids)
    assert {d["status"] for d in definitions} == {"active"}
    assert {d["kind"] for d in definitions} == {"ServiceRequest"}
    (plan,) = _resources(catalog_bundle, "PlanDefinition")
    assert [a["definitionCanonical"] for a in plan["action"]] == [d["url"] for d in definitions]
    assert plan["url"] == f"{CANONICAL_BASE}/PlanDefinition/catalog"


def test_activity_definition_content(catalog_bundle: dict[str, Any]) -> None:
    """Codes only where verified, text otherwise; timing, activity and benefit carried."""
    definitions = {
        d["identifier"][0]["value"]: d for d in _resources(catalog_bundle, "ActivityDefinition")
    }
    swedish = definitions["massage.swedish"]
    assert swedish["code"] == {"text": "Swedish (relaxation) massage"}
    assert swedish["timingTiming"] == {"repeat": {"duration": 45, "durationUnit": "min"}}
    assert swedish["name"] == "MassageSwedish"
    assert {
        "url": f"{CANONICAL_BASE}/StructureDefinition/activity",
        "valueCode": "passive",
    } in swedish["extension"]
    assert swedish["usage"].startswith("Passive: done to the patient.")
    assert "coding" not in definitions["psychological.mindfulness"]["code"]
    exercise = definitions["exercise.therapeutic"]
    assert exercise["code"]["coding"] == [
        {"system": SNOMED_SYSTEM, "code": "229065009", "display": "Exercise therapy"}
    ]
    assert "timingTiming" not in exercise
    benefit = {
        tuple(
            (part["url"], next(v for k, v in part.items() if k.startswith("value")))
            for part in ext["extension"]
        )
        for ext in exercise["extension"]
        if ext["url"].endswith("/expected-benefit")
    }
    assert (("painType", "low_back:chronic"), ("horizon", "long")) in benefit
    assert "chronic low back pain: long term (12 months or more)" in exercise["usage"]
    rehabilitation = definitions["rehabilitation.multidisciplinary"]
    assert [c["code"] for c in rehabilitation["code"]["coding"]] == ["52052004", "278414003"]


def test_evidence_and_citations(catalog_bundle: dict[str, Any], version: str) -> None:
    """One Evidence per finding, graded in the version's GRADE system, citing a Citation."""
    catalog = default_catalog()
    urls = _by_url(catalog_bundle)
    evidence = _resources(catalog_bundle, "Evidence")
    own = [f for m in catalog for f in m.findings if f.component is None]
    assert len(evidence) == len(own)
    insufficient = 0
    for resource, finding in zip(evidence, own, strict=True):
        (certainty,) = resource["certainty"]
        if finding.certainty is Certainty.INSUFFICIENT:
            insufficient += 1
            assert certainty["rating"] == {"text": "insufficient"}
        else:
            (coding,) = certainty["rating"]["coding"]
            assert coding["system"] == CERTAINTY_SYSTEMS[version]
            assert coding["code"] == finding.certainty.value.replace("_", "-")
            assert coding["code"] in GRADE_CODES
        (cited,) = resource["relatedArtifact"]
        citation = urls[cited["resource"]]
        assert citation["resourceType"] == "Citation"
        assert citation["identifier"][0]["value"] == finding.source
        assert citation["title"] == catalog.source(finding.source).title
    assert insufficient > 0  # the built-in catalog has insufficient findings to carry


def _own_evidence(
    bundle: dict[str, Any], catalog: Catalog
) -> list[tuple[dict[str, Any], Finding]]:
    """Each Evidence of the bundle beside the finding it was written from, in order."""
    evidence = _resources(bundle, "Evidence")
    own = [f for m in catalog for f in m.findings if f.component is None]
    assert len(evidence) == len(own)
    return list(zip(evidence, own, strict=True))


def _roles(resource: dict[str, Any]) -> dict[str, str]:
    return {
        variable["variableRole"]["coding"][0]["code"]: variable["description"]
        for variable in resource["variableDefinition"]
    }


def test_every_evidence_validates_as_ebm(catalog_bundle: dict[str, Any], version: str) -> None:
    """Every Evidence parses on its own and names its population, exposures and variable."""
    model = _model(version, "Evidence")
    for resource, finding in _own_evidence(catalog_bundle, default_catalog()):
        model.model_validate(resource)
        roles = _roles(resource)
        assert set(roles) == {"population", "exposure", "referenceExposure", "measuredVariable"}
        assert roles["population"] == f"People with {finding.pain_type.label}"
        assert roles["measuredVariable"].startswith(
            f"{finding.outcome.value}, {words.HORIZON_SPANS[finding.horizon]}"
        )


def _assert_statistic(statistic: dict[str, Any], figures: Statistic | None) -> None:
    """The exported statistic carries the finding's figures, and nothing for figures unknown."""
    if figures is None:
        assert set(statistic) == {"description"}
        assert statistic["description"].endswith(words.NOT_REPORTED)
        return
    assert statistic["description"].endswith(words.figures(figures))
    if figures.estimate is None:
        assert "quantity" not in statistic
    else:
        assert Decimal(str(statistic["quantity"]["value"])) == figures.estimate
    if figures.measure in (Measure.SMD, Measure.MD):
        (coding,) = statistic["statisticType"]["coding"]
        assert coding["system"] == "http://terminology.hl7.org/CodeSystem/statistic-type"
        assert coding["code"] == {Measure.SMD: "0000100", Measure.MD: "0000457"}[figures.measure]
    elif figures.measure is Measure.OTHER:
        assert statistic["statisticType"]["text"].startswith("another measure")
    else:
        assert "statisticType" not in statistic
    interval = figures.interval
    if interval is None:
        assert "attributeEstimate" not in statistic
    else:
        (estimate,) = statistic["attributeEstimate"]
        assert estimate["type"]["coding"][0]["code"] == "C53324"
        assert estimate["level"] == 0.95
        low, high = (Decimal(str(estimate["range"][end]["value"])) for end in ("low", "high"))
        assert (low, high) == interval
    counts = {"numberOfStudies": figures.studies, "numberOfParticipants": figures.participants}
    assert statistic.get("sampleSize", {}) == {k: v for k, v in counts.items() if v is not None}


def test_statistic_carries_the_figures(catalog_bundle: dict[str, Any]) -> None:
    """For every finding, the statistic has its estimate, interval and counts, or says none."""
    with_figures = 0
    for resource, finding in _own_evidence(catalog_bundle, default_catalog()):
        (statistic,) = resource["statistic"]
        _assert_statistic(statistic, finding.statistic)
        with_figures += finding.statistic is not None
    assert with_figures > 20  # the dossier gives figures for 29 findings


def test_comparator_text_matches_the_finding(catalog_bundle: dict[str, Any]) -> None:
    """The reference exposure says what the finding was compared with, never more."""
    seen = set()
    for resource, finding in _own_evidence(catalog_bundle, default_catalog()):
        compared = words.COMPARATOR_WORDS[finding.comparator]
        assert _roles(resource)["referenceExposure"] == compared
        assert f"against {compared}:" in resource["statistic"][0]["description"]
        if finding.comparator is Comparator.MIXED:
            assert "inactive" not in json.dumps(resource)
            assert "placebo" not in json.dumps(resource)
        seen.add(finding.comparator)
    assert seen == set(Comparator)


@settings(max_examples=25)
@given(figures=st.none() | statistics(), version=st.sampled_from(VERSIONS))
def test_any_statistic_exports(figures: Statistic | None, version: str) -> None:
    """Any figures a finding may hold export as a valid Evidence that carries them."""
    finding = Finding(
        pain_type=PainType("neck", "chronic"),
        outcome="pain",
        horizon="short",
        effect="small",
        certainty="low",
        source="s",
        statistic=figures,
    )
    catalog = Catalog(
        modalities=(
            Psychological(id="psych.x", name="X", activity="active", findings=(finding,)),
        ),
        sources=(Source(key="s", title="S"),),
    )
    bundle = export_catalog(catalog, version=version)
    _validate(bundle, version)
    ((resource, _),) = _own_evidence(bundle, catalog)
    _assert_statistic(resource["statistic"][0], figures)


def test_citation_content(catalog_bundle: dict[str, Any]) -> None:
    """A Citation carries the source's title, year, publisher, link and how it was read."""
    citations = {c["identifier"][0]["value"]: c for c in _resources(catalog_bundle, "Citation")}
    source = default_catalog().source("perlman-2019")
    perlman = citations["perlman-2019"]
    assert perlman["id"] == "perlman-2019"
    assert perlman["citedArtifact"]["webLocation"] == [{"url": "https://doi.org/" + source.url}]
    assert perlman["citedArtifact"]["publicationForm"] == [{"articleDate": "2019"}]
    assert source.publisher in perlman["summary"][0]["text"]
    assert [note["text"] for note in perlman["note"]] == [
        f"Kind: {source.kind}",
        f"Read with confidence: {source.read_confidence}",
    ]
    # only cited sources are written
    cited = {f.source for m in default_catalog() for f in m.findings}
    assert set(citations) == cited


def test_every_canonical_reference_resolves(catalog_bundle: dict[str, Any]) -> None:
    """Every justification, citation and plan action points at a resource in the bundle."""
    urls = _by_url(catalog_bundle)
    for resource in _resources(catalog_bundle, "ActivityDefinition"):
        for artifact in resource.get("relatedArtifact", []):
            assert urls[artifact["resource"]]["resourceType"] == "Evidence"
    for entry in catalog_bundle["entry"]:
        assert entry["fullUrl"] == entry["resource"]["url"]


def test_programme_cites_its_components_evidence(catalog_bundle: dict[str, Any]) -> None:
    """A physical therapy programme's evidence is its components' Evidence, not copies."""
    catalog = default_catalog()
    definitions = {
        d["identifier"][0]["value"]: d for d in _resources(catalog_bundle, "ActivityDefinition")
    }
    programme = catalog["physical_therapy.programme"]
    assert isinstance(programme, PhysicalTherapy)
    cited = {a["resource"] for a in definitions[programme.id].get("relatedArtifact", [])}
    components = {
        a["resource"]
        for c in programme.components
        for a in definitions[c].get("relatedArtifact", [])
    }
    assert cited == components
    assert cited


def test_nested_programme_cites_the_innermost_evidence() -> None:
    """A programme made of a programme still cites the Evidence its findings came from."""
    builtin = default_catalog()
    exercise = builtin["exercise.therapeutic"]
    inner = PhysicalTherapy(
        id="physical_therapy.inner",
        name="Inner",
        activity=Activity.ACTIVE,
        components=("exercise.therapeutic",),
    )
    outer = PhysicalTherapy(
        id="physical_therapy.outer",
        name="Outer",
        activity=Activity.ACTIVE,
        components=("physical_therapy.inner",),
    )
    catalog = Catalog.assemble([outer, inner, exercise], builtin.sources)
    bundle = export_catalog(catalog)
    _validate(bundle, "R4B")
    cited = {
        d["identifier"][0]["value"]: [a["resource"] for a in d.get("relatedArtifact", [])]
        for d in _resources(bundle, "ActivityDefinition")
    }
    assert len(cited["exercise.therapeutic"]) == len(exercise.findings)
    assert cited["physical_therapy.outer"] == cited["physical_therapy.inner"]
    assert cited["physical_therapy.inner"] == cited["exercise.therapeutic"]


def test_precautions_in_usage(catalog_bundle: dict[str, Any]) -> None:
    """The circumstances a modality must not be given in are stated in its usage."""
    definitions = {
        d["identifier"][0]["value"]: d for d in _resources(catalog_bundle, "ActivityDefinition")
    }
    assert definitions["massage.swedish"]["usage"].endswith(
        "Not to be given with: blood clot, fracture, weakened bones, open wound, "
        "skin infection, recent surgery (nccih-massage)."
    )
    assert "Not to be given" not in definitions["exercise.therapeutic"]["usage"]
    assert definitions["exercise.therapeutic"]["usage"].endswith(
        "Precautions: no precautions recorded in the evidence dossier."
    )


def test_certainty_system_differs_by_version() -> None:
    """R4B and R5 use their own GRADE certainty-rating code systems."""
    systems = {
        version: {
            c["system"]
            for e in _resources(export_catalog(version=version), "Evidence")
            for c in e["certainty"][0]["rating"].get("coding", [])
        }
        for version in VERSIONS
    }
    assert systems == {
        "R4B": {"http://terminology.hl7.org/CodeSystem/certainty-rating"},
        "R5": {"http://hl7.org/fhir/certainty-rating"},
    }


def test_custom_base() -> None:
    """Every canonical, full and extension URL is under the base given."""
    base = "https://fhir.example.com/pain"
    bundle = export_catalog(base=base + "/")
    ours = [entry["fullUrl"] for entry in bundle["entry"]]
    ours += [entry["resource"]["url"] for entry in bundle["entry"]]
    ours += [
        found["url"] for found in _walk(bundle) if "/StructureDefinition/" in found.get("url", "")
    ]
    ours += [
        found["resource"] for found in _walk(bundle) if isinstance(found.get("resource"), str)
    ]
    assert len(ours) > 2 * len(bundle["entry"])
    assert all(url.startswith(base + "/") for url in ours)
    assert CANONICAL_BASE not in json.dumps(bundle)


# -- user codings -------------------------------------------------------------------------


def _with_codings(modality_id: str, *codings: Coding) -> Catalog:
    catalog = default_catalog()
    changed = [attrs.evolve(m, codings=codings) if m.id == modality_id else m for m in catalog]
    return Catalog.assemble(changed, catalog.sources)


def _definition(bundle: dict[str, Any], modality_id: str) -> dict[str, Any]:
    (found,) = [
        d
        for d in _resources(bundle, "ActivityDefinition")
        if d["identifier"][0]["value"] == modality_id
    ]
    return found


def test_user_codings_are_carried(version: str) -> None:
    """A user's own codings (a billing code, say) are added after the verified ones."""
    catalog = _with_codings(
        "exercise.therapeutic",
        Coding(system=BILLING, code="EX-1", display="Exercise, 15 minutes"),
        Coding(system=SNOMED_SYSTEM, code="229065009"),
    )
    bundle = export_catalog(catalog, version=version)
    _validate(bundle, version)
    assert _definition(bundle, "exercise.therapeutic")["code"]["coding"] == [
        {"system": SNOMED_SYSTEM, "code": "229065009", "display": "Exercise therapy"},
        {"system": BILLING, "code": "EX-1", "display": "Exercise, 15 minutes"},
    ]
    massage = export_catalog(
        _with_codings("massage.swedish", Coding(system=BILLING, code="M1")), version=version
    )
    assert _definition(massage, "massage.swedish")["code"] == {
        "text": "Swedish (relaxation) massage",
        "coding": [{"system": BILLING, "code": "M1"}],
    }


@pytest.mark.parametrize(
    ("modality_id", "code", "expected"),
    [
        # the candidate massage code the dossier refused
        (
            "massage.swedish",
            "387854002",
            "no SNOMED CT coding: none is verified for massage.swedish",
        ),
        # a verified code, but massage has none
        (
            "massage.swedish",
            "229065009",
            "no SNOMED CT coding: none is verified for massage.swedish",
        ),
        (
            "psychological.mindfulness",
            "228557008",
            "no SNOMED CT coding: none is verified for psychological.mindfulness",
        ),
        # a verified code of another modality
        (
            "exercise.therapeutic",
            "44868003",
            "a SNOMED CT code verified for exercise.therapeutic: 229065009",
        ),
        # a made-up code
        ("acupuncture", "12345", "a SNOMED CT code verified for acupuncture: 44868003"),
    ],
)
def test_error_unverified_user_snomed(modality_id: str, code: str, expected: str) -> None:
    """A user's SNOMED CT coding that is not verified for the modality is refused."""
    catalog = _with_codings(modality_id, Coding(system=SNOMED_SYSTEM, code=code))
    index = catalog.ids.index(modality_id)
    with pytest.raises(ValidationError) as caught:
        export_catalog(catalog)
    assert caught.value.path == f"$.modalities[{index}].codings[0].code"
    assert (caught.value.rule, caught.value.value, caught.value.expected) == (
        "unverified_code",
        code,
        expected,
    )


@pytest.mark.parametrize("excluded", [False, True])
def test_error_unverified_user_snomed_in_ranking(excluded: bool) -> None:
    """A ranking refuses an unverified SNOMED CT coding too, at the option's own path."""
    catalog = _with_codings("exercise.therapeutic", Coding(system=SNOMED_SYSTEM, code="44868003"))
    patient = Patient(exclude=frozenset({"exercise.therapeutic"})) if excluded else None
    ranking = rank("low_back:chronic", catalog=catalog, patient=patient)
    with pytest.raises(ValidationError) as caught:
        export_ranking(ranking)
    where = (
        "$.excluded[0]" if excluded else f"$.options[{ranking.ids.index('exercise.therapeutic')}]"
    )
    assert caught.value.path == f"{where}.modality.codings[0].code"
    assert caught.value.rule == "unverified_code"


def _pilates_modality(*codings: Coding) -> Exercise:
    return Exercise(
        id="exercise.pilates",
        name="Pilates",
        activity=default_catalog()["exercise.yoga"].activity,
        form=ExerciseForm.YOGA,
        codings=codings,
    )


def _pilates(*codings: Coding) -> Catalog:
    return Catalog(modalities=(_pilates_modality(*codings),))


def test_user_snomed_on_own_modality() -> None:
    """A modality of the user's own may carry any verified procedure code, never another."""
    bundle = export_catalog(_pilates(Coding(system=SNOMED_SYSTEM, code="229065009")))
    assert _snomed_codes(bundle) == {"229065009"}
    with pytest.raises(ValidationError) as caught:
        export_catalog(_pilates(Coding(system=SNOMED_SYSTEM, code="203082005")))
    assert (caught.value.path, caught.value.rule) == (
        "$.modalities[0].codings[0].code",
        "unverified_code",
    )
    assert "verified SNOMED CT procedure code" in caught.value.expected


def test_error_user_coding_not_fhir() -> None:
    """A user coding FHIR cannot hold (a code with inner double spaces) fails at its path."""
    with pytest.raises(ValidationError) as caught:
        export_catalog(_pilates(Coding(system=BILLING, code="A  B")))
    assert caught.value.path == "$.entry[1].resource.code.coding[0].code"
    assert caught.value.rule.startswith("fhir_")
    assert caught.value.expected.startswith("valid FHIR R4B (")


@pytest.mark.parametrize("bad", ["R4", "r5", "STU3", None, 5])
def test_error_version(bad: Any) -> None:
    """Only "R4B" and "R5" are written."""
    exports: list[Callable[[], object]] = [
        lambda: export_catalog(version=bad),
        lambda: export_ranking(rank("neck:chronic"), version=bad),
    ]
    for export in exports:
        with pytest.raises(ValidationError) as caught:
            export()
        assert (caught.value.path, caught.value.rule, caught.value.value) == (
            "$.version",
            "enum",
            bad,
        )
        assert str(caught.value).startswith('$.version: expected one of "R4B", "R5", got ')


@pytest.mark.parametrize("bad", ["", "not a uri", "painmodalities.org/fhir", 3])
def test_error_base(bad: Any) -> None:
    """The base must be an absolute URI."""
    with pytest.raises(ValidationError) as caught:
        export_catalog(base=bad)
    assert (caught.value.path, caught.value.rule) == ("$.base", "pattern")


def test_error_not_a_catalog_or_ranking() -> None:
    """Passing the wrong object is a ValidationError, not an AttributeError."""
    with pytest.raises(ValidationError) as caught:
        export_catalog("catalog")  # type: ignore[arg-type]
    assert caught.value.path == "$.catalog"
    with pytest.raises(ValidationError) as caught:
        export_ranking(default_catalog())  # type: ignore[arg-type]
    assert caught.value.path == "$.ranking"


# -- rankings -------------------------------------------------------------------------------


def _assert_rqg_1(actions: list[dict[str, Any]]) -> None:
    """FHIR rule rqg-1: every action has a resource or sub-actions, never both."""
    for action in actions:
        assert ("resource" in action) != ("action" in action), action
        _assert_rqg_1(action.get("action", []))


def _check_ranking(
    bundle: dict[str, Any], ranking: Ranking, version: str, subject: str | None = None
) -> None:
    _validate(bundle, version)
    _assert_only_verified_snomed(bundle)
    group_type = "RequestGroup" if version == "R4B" else "RequestOrchestration"
    (response,) = _resources(bundle, "GuidanceResponse")
    (group,) = _resources(bundle, group_type)
    result = response["result"] if version == "R4B" else response["result"][0]
    assert result == {"reference": f"{group_type}/{group['id']}"}
    assert response["status"] == "success"
    assert (group["status"], group["intent"]) == ("draft", "proposal")
    definitions = {d["url"]: d for d in _resources(bundle, "ActivityDefinition")}
    requests = {f"ServiceRequest/{r['id']}": r for r in _resources(bundle, "ServiceRequest")}
    actions = group.get("action", [])
    _assert_rqg_1(actions)
    assert len(requests) == len(actions)
    about = {"reference": subject} if subject else None
    assert response.get("subject") == about
    assert group.get("subject") == about
    assert [a["prefix"] for a in actions] == [str(o.rank) for o in ranking.options]
    for action, option in zip(actions, ranking.options, strict=True):
        target = (
            action["definitionCanonical"]
            if version == "R5"
            else action["documentation"][0]["resource"]
        )
        assert definitions[target]["identifier"][0]["value"] == option.modality.id
        request = requests[action["resource"]["reference"]]
        assert request["instantiatesCanonical"] == [target]
        assert (request["status"], request["intent"]) == ("draft", "proposal")
        code = request["code"] if version == "R4B" else request["code"]["concept"]
        assert [code] == action["code"]
        assert request["subject"] == about or (
            subject is None and set(request["subject"]) == {"display"}
        )
        assert action["title"] == option.modality.name
        assert option.score.explain() in action["description"]
        (score,) = action["extension"]
        assert score == {
            "url": f"{CANONICAL_BASE}/StructureDefinition/score",
            "valueDecimal": float(option.score),
        }
    excluded = [e for e in response.get("extension", []) if e["url"].endswith("/excluded")]
    assert len(excluded) == len(ranking.excluded)
    for extension, exclusion in zip(excluded, ranking.excluded, strict=True):
        parts = extension["extension"]
        assert (
            definitions[parts[0]["valueCanonical"]]["identifier"][0]["value"]
            == exclusion.modality.id
        )
        assert [p["valueCode"] for p in parts if p["url"] == "reason"] == [
            r.code.value for r in exclusion.reasons
        ]
    assert [n["text"] for n in response["note"]] == [
        ranking.summary,
        *(f"Not ranked: {u.explain()}" for u in ranking.unranked),
        *(f"Ruled out: {e.explain()}" for e in ranking.excluded),
    ]
    (document,) = [e for e in response["extension"] if e["url"].endswith("/ranking-document")]
    assert from_json(document["valueString"], Ranking, catalog=ranking.catalog) == ranking
    unranked = [e for e in response.get("extension", []) if e["url"].endswith("/unranked")]
    assert [definitions[e["valueCanonical"]]["identifier"][0]["value"] for e in unranked] == [
        u.modality.id for u in ranking.unranked
    ]
    for action, option in zip(actions, ranking.options, strict=True):
        for warning in option.warnings:
            assert warning in action["description"]
    reasons = (
        response["reasonCode"] if version == "R4B" else [r["concept"] for r in response["reason"]]
    )
    assert reasons[0]["text"] == ranking.pain_type.label


def test_ranking_export(version: str) -> None:
    """A ranking with exclusions exports in order, with scores, reasons and exclusions."""
    patient = Patient(precautions=frozenset({Precaution.BLOOD_CLOT}), max_session_minutes=30)
    ranking = rank("low_back:chronic", patient=patient)
    bundle = export_ranking(ranking, version=version)
    _check_ranking(bundle, ranking, version)
    assert ranking.excluded
    (response,) = _resources(bundle, "GuidanceResponse")
    reasons = (
        response["reasonCode"] if version == "R4B" else [r["concept"] for r in response["reason"]]
    )
    assert reasons[0]["coding"] == [
        {"system": SNOMED_SYSTEM, "code": "278860009", "display": "Chronic low back pain"}
    ]
    assert response["moduleCanonical"] == f"{CANONICAL_BASE}/PlanDefinition/catalog"


def test_ranking_export_with_subject(version: str) -> None:
    """A subject (the imported bundle's patient, say) is the subject of every request."""
    ranking = rank("fibromyalgia:chronic")
    bundle = export_ranking(ranking, version=version, subject="Patient/p-1")
    _check_ranking(bundle, ranking, version, subject="Patient/p-1")


@pytest.mark.parametrize("bad", ["", "Patient/ 1", 7])
def test_error_subject(bad: Any) -> None:
    """A subject must be a reference without spaces."""
    with pytest.raises(ValidationError) as caught:
        export_ranking(rank("neck:chronic"), subject=bad)
    assert (caught.value.path, caught.value.rule, caught.value.value) == (
        "$.subject",
        "pattern",
        bad,
    )


def test_ranking_export_subacute_back_uses_plain_code() -> None:
    """Subacute low back pain has no verified concept: the plain one, the phase in text."""
    bundle = export_ranking(rank("low_back:subacute"))
    (response,) = _resources(bundle, "GuidanceResponse")
    assert response["reasonCode"] == [
        {
            "text": "subacute low back pain",
            "coding": [{"system": SNOMED_SYSTEM, "code": "279039007", "display": "Low back pain"}],
        }
    ]


def test_ranking_everything_excluded(version: str) -> None:
    """A ranking with no options still exports: an empty group, every exclusion listed."""
    catalog = default_catalog()
    ranking = rank("neck:chronic", patient=Patient(exclude=frozenset(catalog.ids)))
    bundle = export_ranking(ranking, version=version)
    _check_ranking(bundle, ranking, version)
    assert len(_resources(bundle, "ActivityDefinition")) == len(catalog)


# -- generated catalogs and rankings ----------------------------------------------------------

_EXTRA_CODINGS = st.builds(
    Coding,
    system=st.sampled_from([BILLING, "urn:oid:2.16.840.1.113883.6.12.999"]),
    code=st.from_regex(r"[A-Z0-9]{1,6}", fullmatch=True),
    display=st.sampled_from(["", "Local code"]),
)


@st.composite
def _modality(draw: st.DrawFn, modality: Modality) -> Modality:
    """The modality with some findings dropped and the rest regraded, and maybe new codings."""
    findings = tuple(
        attrs.evolve(
            finding,
            effect=draw(st.sampled_from(list(Effect))),
            certainty=draw(st.sampled_from(list(Certainty))),
        )
        for finding in modality.findings
        if finding.component is None and draw(st.booleans())
    )
    own = [
        Coding(system=SNOMED_SYSTEM, code=code)
        for code, concept in SNOMED_VERIFIED.items()
        if concept.target == modality.id
    ]
    codings = draw(st.lists(_EXTRA_CODINGS, max_size=2)) + draw(
        st.lists(st.sampled_from(own), max_size=1) if own else st.just([])
    )
    return attrs.evolve(
        modality,
        findings=findings if not isinstance(modality, PhysicalTherapy) else modality.findings,
        codings=tuple(codings),
        session_minutes=draw(st.none() | st.integers(min_value=1, max_value=240)),
    )


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    """Subsets of the built-in catalog with regraded evidence (programmes keep components)."""
    base = default_catalog()
    chosen = set(draw(st.lists(st.sampled_from(base.ids), min_size=1, unique=True)))
    for modality_id in list(chosen):
        programme = base[modality_id]
        if isinstance(programme, PhysicalTherapy):
            chosen.update(programme.components)
    modalities = [draw(_modality(m)) for m in base if m.id in chosen]
    return Catalog.assemble(modalities, base.sources)


@st.composite
def rankings(draw: st.DrawFn) -> Ranking:
    """A ranking of a generated catalog for a random patient and pain type."""
    catalog = draw(catalogs())
    ids = list(catalog.ids)
    patient = Patient(
        precautions=frozenset(draw(st.sets(st.sampled_from(list(Precaution))))),
        covered=draw(st.none() | st.sets(st.sampled_from(ids)).map(frozenset)),
        max_session_minutes=draw(st.none() | st.integers(min_value=1, max_value=120)),
        exclude=frozenset(draw(st.sets(st.sampled_from(ids), max_size=2))),
    )
    pain_type = draw(st.sampled_from(default_catalog().pain_types()))
    return rank(pain_type, catalog=catalog, patient=patient)


_TEXT = st.characters(exclude_categories=["Cs"])


def _words(min_size: int = 0) -> st.SearchStrategy[str]:
    return st.text(_TEXT, min_size=min_size, max_size=16).filter(
        lambda text: not min_size or bool(text.strip())
    )


@st.composite
def invented_catalogs(draw: st.DrawFn) -> Catalog:
    """Catalogs of invented modalities and sources: any Unicode text, ids and keys."""
    keys = draw(
        st.lists(
            st.from_regex(r"\A[a-z0-9][a-z0-9_.-]{0,8}\Z"), min_size=1, max_size=3, unique=True
        )
    )
    sources = [
        Source(
            key=key,
            title=draw(_words(1)),
            year=draw(st.none() | st.integers(1900, 2100)),
            url=draw(_words() | st.just("10.1000/xyz") | st.just("https://example.org/a")),
            kind=draw(_words()),
            publisher=draw(_words()),
            read_confidence=draw(_words()),
        )
        for key in keys
    ]
    ids = draw(
        st.lists(
            st.from_regex(r"\A[a-z][a-z0-9_]{0,30}(\.[a-z][a-z0-9_]{0,30}){0,2}\Z"),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    modalities = []
    for modality_id in ids:
        findings = {
            finding.key: finding
            for finding in draw(
                st.lists(
                    st.builds(
                        Finding,
                        pain_type=st.builds(
                            PainType, st.sampled_from(Condition), st.sampled_from(Phase)
                        ),
                        outcome=st.sampled_from(Outcome),
                        horizon=st.sampled_from(Horizon),
                        effect=st.sampled_from(Effect),
                        certainty=st.sampled_from(Certainty),
                        source=st.sampled_from(keys),
                        note=_words(),
                        comparator=st.sampled_from(Comparator),
                        statistic=st.none() | statistics(),
                    ),
                    max_size=4,
                )
            )
        }
        family = draw(st.sampled_from([Psychological, Acupuncture, PhysicalAgent, Rehabilitation]))
        modalities.append(
            family(
                id=modality_id,
                name=draw(_words(1)),
                summary=draw(_words()),
                activity=draw(st.sampled_from(Activity)),
                session_minutes=draw(st.none() | st.integers(1, 600)),
                findings=tuple(findings.values()),
                codings=tuple(draw(st.lists(_EXTRA_CODINGS, max_size=2))),
            )
        )
    return Catalog(modalities=tuple(modalities), sources=tuple(sources))


@given(catalog=invented_catalogs(), version=st.sampled_from(VERSIONS))
def test_invented_catalogs_validate(catalog: Catalog, version: str) -> None:
    """Invented catalogs, whatever their text, ids and keys, export as valid FHIR."""
    bundle = export_catalog(catalog, version=version)
    _validate(bundle, version)
    _assert_only_verified_snomed(bundle)
    ids = [entry["resource"]["id"] for entry in bundle["entry"]]
    urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    assert all(len(resource_id) <= 64 for resource_id in ids)
    ranking = rank(
        catalog.pain_types()[0] if catalog.pain_types() else "neck:acute", catalog=catalog
    )
    _check_ranking(export_ranking(ranking, version=version), ranking, version)


@given(catalog=catalogs(), version=st.sampled_from(VERSIONS))
def test_generated_catalogs_validate(catalog: Catalog, version: str) -> None:
    """Any catalog exports as valid FHIR carrying only verified SNOMED CT codes."""
    bundle = export_catalog(catalog, version=version)
    _validate(bundle, version)
    _assert_only_verified_snomed(bundle)
    assert len(_resources(bundle, "ActivityDefinition")) == len(catalog)
    own = sum(1 for m in catalog for f in m.findings if f.component is None)
    assert len(_resources(bundle, "Evidence")) == own


@given(ranking=rankings(), version=st.sampled_from(VERSIONS))
def test_generated_rankings_validate(ranking: Ranking, version: str) -> None:
    """Any ranking exports as valid FHIR: options in order, exclusions with their reasons."""
    _check_ranking(export_ranking(ranking, version=version), ranking, version)


def test_snomed_walk_catches_an_unverified_code() -> None:
    """The SNOMED CT check of these tests fails on a code that is not a verified row."""
    bundle = export_catalog(_pilates(Coding(system=BILLING, code="X1")))
    bundle["entry"][1]["resource"]["code"]["coding"][0]["system"] = SNOMED_SYSTEM
    with pytest.raises(AssertionError):
        _assert_only_verified_snomed(bundle)


# -- ids ----------------------------------------------------------------------------------


def test_fhir_ids() -> None:
    """Modality ids become distinct, valid FHIR ids; long ones are cut and hashed."""
    ids = [fhir_id(modality_id) for modality_id in default_catalog().ids]
    assert len(set(ids)) == len(ids)
    assert fhir_id("physical_therapy.programme") == "physical-therapy.programme"
    long = fhir_id("a" * 100)
    assert len(long) <= 64
    assert long != fhir_id("a" * 99)
    assert fhir_id("a_b-c") != fhir_id("a-b-c")


def test_citation_without_url_or_year() -> None:
    """A source with no URL, year or provenance gets a Citation with its title only."""
    finding = Finding(
        pain_type=PainType.parse("neck:chronic"),
        outcome=Outcome.PAIN,
        horizon=Horizon.SHORT,
        effect=Effect.SMALL,
        certainty=Certainty.INSUFFICIENT,
        source="bare",
    )
    pilates = attrs.evolve(_pilates_modality(), findings=(finding,))
    catalog = Catalog(modalities=(pilates,), sources=(Source(key="bare", title="Bare"),))
    bundle = export_catalog(catalog)
    (citation,) = _resources(bundle, "Citation")
    assert citation["citedArtifact"] == {"title": [{"text": "Bare"}]}
    assert citation["summary"] == [{"text": "Bare"}]
    assert "note" not in citation
    (evidence,) = _resources(bundle, "Evidence")
    assert evidence["certainty"][0]["rating"] == {"text": "insufficient"}
    assert "description" not in evidence


def test_citation_ids_keep_keys_apart() -> None:
    """Source keys ``a_b`` and ``a-b`` become different Citation ids."""
    sources = [Source(key="a_b", title="Under"), Source(key="a-b", title="Dash")]
    findings = [
        Finding(
            pain_type=PainType.parse("neck:chronic"),
            outcome=Outcome.FUNCTION,
            horizon=Horizon.SHORT,
            effect=Effect.SMALL,
            certainty=Certainty.LOW,
            source=source.key,
        )
        for source in sources
    ]
    pilates = attrs.evolve(_pilates_modality(), findings=tuple(findings))
    bundle = export_catalog(Catalog(modalities=(pilates,), sources=tuple(sources)))
    citations = _resources(bundle, "Citation")
    assert [c["title"] for c in citations] == ["Under", "Dash"]
    assert citations[1]["id"] == "a-b"
    assert citations[0]["id"] != "a-b"
    assert citations[0]["id"].startswith("a-b-")
    _validate(bundle, "R4B")


def test_cli_export_writes_the_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    """``painmodalities export --format fhir --fhir-version R5`` writes the same Evidence."""
    from painmodalities.cli import main

    assert main(["export", "--format", "fhir", "--fhir-version", "R5"]) == 0
    written = json.loads(capsys.readouterr().out)
    _validate(written, "R5")
    assert _resources(written, "Evidence") == _resources(export_catalog(version="R5"), "Evidence")
