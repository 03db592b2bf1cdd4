"""Recommendations in their own words, assessments before the options, and the conditions
that are chronic by definition (issue 23, items 2, 4 and 5).
"""

import datetime
import re
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from painmodalities import (
    PainType,
    Patient,
    Precaution,
    Ranking,
    Recommendation,
    _words,
    default_catalog,
    from_json,
    rank,
    rank_many,
    score,
    to_json,
)
from painmodalities.cli import main
from painmodalities.fhir import export_plan, read_bundle
from painmodalities.plans import plan
from painmodalities.sensitivity import acceptability
from painmodalities.service import _cards
from painmodalities.vocabulary import CHRONIC_BY_DEFINITION, Condition, Direction, Phase
from tests.samples import ICD10CM, SNOMED, fhir_bundle, fhir_condition, recommendation
from tests.strategies import pain_types, recommendations, source_keys

CATALOG = default_catalog()
ALL_PAIN_TYPES = [PainType(condition, phase) for condition in Condition for phase in Phase]
BY_DEFINITION = [
    PainType(condition, phase)
    for condition in sorted(CHRONIC_BY_DEFINITION, key=lambda found: found.value)
    for phase in Phase
]


def _flat(text: str) -> str:
    """``text`` with its lines joined (the CLI wraps to the terminal's width)."""
    return " ".join(text.split())


def _says_verb(text: str, verb: str) -> bool:
    """Whether the verb's words are in ``text`` in order (its object may come between).

    A word is a run of letters, digits or hyphens; a verb with none (punctuation only) must
    be in the text as it is.
    """
    words = re.findall(r"[\w-]+", verb) or [verb.strip()]
    at = 0
    for word in words:
        at = text.find(word, at)
        if at < 0:
            return False
        at += len(word)
    return True


def _every_recommendation() -> list[tuple[str, Recommendation]]:
    return [(m.id, advice) for m in CATALOG for advice in m.recommendations]


def test_every_recommendation_is_in_scope_somewhere() -> None:
    """The renderings below cover every recommendation of the catalog."""
    covered = {
        (modality_id, advice)
        for pain_type in ALL_PAIN_TYPES
        for entry in rank(pain_type).entries
        for advice in entry.recommendations
        for modality_id in [entry.modality.id]
    }
    assert set(_every_recommendation()) <= covered


@pytest.mark.parametrize("pain_type", ALL_PAIN_TYPES, ids=str)
def test_cli_explain_says_each_recommendation_with_its_verb(
    pain_type: PainType, capsys: pytest.CaptureFixture[str]
) -> None:
    """``rank --explain``: each in-scope recommendation's line is its guideline's words; no
    line says "recommends" unless the verb does.
    """
    assert main(["rank", pain_type.condition.value, pain_type.phase.value, "--explain"]) == 0
    out = _flat(capsys.readouterr().out)
    for entry in rank(pain_type).entries:
        for advice in entry.recommendations:
            said = _words.guidance(advice, entry.modality.name)
            assert f"guideline: {said}" in out or f": {said}" in out, said
            assert _says_verb(said, advice.verb), said
    if not any("recommends" in advice.verb for _, advice in _every_recommendation()):
        assert "recommends" not in out


@pytest.mark.parametrize("pain_type", ALL_PAIN_TYPES, ids=str)
def test_card_says_each_recommendation_with_its_verb(pain_type: PainType) -> None:
    """A card's guideline notes: every recommendation on a ranked option and every one
    against any option, in the guideline's own verb; "recommends" never (no verb says it).
    """
    ranking = rank(pain_type)
    advice = _cards.Advice.of(ranking)
    card = "\n".join(advice.options_and_notes)
    ranked = {option.modality.id for option in ranking.options}
    for entry in ranking.entries:
        for found in entry.recommendations:
            if entry.modality.id in ranked or found.direction is Direction.AGAINST:
                said = _words.guidance(found, entry.modality.name)
                assert said in card
                assert _says_verb(said, found.verb)
    assert "recommends" not in card


def _strings(value: object) -> Iterator[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


#: Patients whose plans leave options out for each reason a plan has (an exclusion too).
PLAN_PATIENTS = [
    None,
    Patient(precautions=frozenset({Precaution.BLOOD_CLOT})),
    Patient(exclude=frozenset({"exercise.therapeutic"})),
]


@pytest.mark.parametrize("patient", PLAN_PATIENTS, ids=["anyone", "blood clot", "no exercise"])
@pytest.mark.parametrize("pain_type", ALL_PAIN_TYPES, ids=str)
def test_plan_says_each_recommendation_with_its_verb(
    pain_type: PainType, patient: Patient | None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every plan text (``CarePlan.explain``, the card's plan section, ``plan`` on the
    command line, the FHIR export's notes and descriptions) quotes every in-scope
    recommendation, of the options in the plan and of those left out, with its verb;
    "recommends" only where a verb says it.
    """
    care = plan(pain_type, patient=patient)
    arguments = ["plan", pain_type.condition.value, pain_type.phase.value]
    if patient is not None:
        arguments += [f"--precaution={p.value}" for p in patient.precautions]
        arguments += [f"--exclude={found}" for found in patient.exclude]
    assert main(arguments) == 0
    texts = {
        "explain": care.explain(),
        "card": _cards.care_plan_section(care),
        "cli": _flat(capsys.readouterr().out),
        "fhir": "\n".join(_strings(export_plan(care))),
    }
    for entry in care.ranking.entries:
        for advice in entry.recommendations:
            said = _words.guidance(advice, entry.modality.name)
            assert _says_verb(said, advice.verb), said
            for form, text in texts.items():
                assert said in text, (form, said)
                assert _says_verb(text, advice.verb), (form, said)
    verbs_say_it = any(
        "recommends" in a.verb for e in care.ranking.entries for a in e.recommendations
    )
    for form, text in texts.items():
        assert verbs_say_it or "recommends" not in text, form


def test_plan_says_why_an_option_is_left_out() -> None:
    """An option a guideline says not to offer is "not offered", beside its words; a weak
    "for" of an option left out says why it is not a core choice; an excluded option's
    guidance comes with why it is ruled out.
    """
    chronic = plan("low_back:chronic")
    assert any(
        line.startswith("Transcutaneous electrical nerve stimulation (TENS), not offered: ")
        and "do not offer transcutaneous electrical nerve stimulation (TENS) (strong)" in line
        for line in chronic.left_out
    )
    fibromyalgia = plan("fibromyalgia:chronic")
    assert (
        f"Yoga, {_words.NOT_SCORED_ACTIVE}: EULAR 2016 FM for chronic fibromyalgia: weak for yoga"
        in fibromyalgia.left_out
    )
    clot = plan("neck:chronic", patient=Patient(precautions=frozenset({Precaution.BLOOD_CLOT})))
    ruled_out = [line for line in clot.left_out if "ruled out for this patient" in line]
    assert all("precaution: blood clot" in line for line in ruled_out)
    members = {item.modality.name for item in chronic.members}
    for line in chronic.left_out:
        assert not any(line.startswith(f"{name}, ") for name in members)


def test_topic_is_said_about_massage_in_general() -> None:
    """A ``massage.*`` recommendation is said about massage, never renamed to a technique."""
    topical = [
        (m, advice) for m in CATALOG for advice in m.recommendations if advice.topic == "massage"
    ]
    assert topical
    for modality, advice in topical:
        said = _words.guidance(advice, modality.name)
        assert "(massage in general)" in said
        assert modality.name not in said


@pytest.mark.parametrize(
    ("verb", "strength", "certainty", "expected"),
    [
        (
            "do not offer",
            "strong",
            None,
            "NICE NG59 for low back pain: do not offer tai chi (strong)",
        ),
        (
            "may be offered",
            "weak",
            "very_low",
            "NICE NG59 for low back pain: tai chi may be offered (weak, very low certainty)",
        ),
        ("weak for", "weak", None, "NICE NG59 for low back pain: weak for tai chi"),
        (
            "strongly recommended against",
            "strong",
            "low",
            "NICE NG59 for low back pain: tai chi strongly recommended against (low certainty)",
        ),
        (
            "clinicians should select (strong recommendation)",
            "strong",
            "low",
            "NICE NG59 for low back pain: clinicians should select tai chi (strong "
            "recommendation, low certainty)",
        ),
        (
            "explain as a core treatment",
            "strong",
            None,
            "NICE NG59 for low back pain: explain tai chi as a core treatment (strong)",
        ),
        ("", "weak", None, "NICE NG59 for low back pain: recommends tai chi (weak)"),
    ],
)
def test_guidance_wording_rule(
    verb: str, strength: str, certainty: str | None, expected: str
) -> None:
    """An instruction goes before its object, a passive phrase after it; the strength is
    added unless the verb states it; the certainty is always said; "recommends" only
    without a verb.
    """
    advice = recommendation(
        verb=verb,
        strength=strength,
        certainty=certainty,
        source="nice-ng59",
        condition=Condition.LOW_BACK,
    )
    assert _words.guidance(advice, "Tai chi") == expected


@given(recommendations(source_keys()), st.sampled_from(["Yoga", "Tai chi and qigong"]))
def test_guidance_keeps_the_verb_and_strength(advice: Recommendation, name: str) -> None:
    """Any recommendation is said with its verb's words in order, its strength (said by the
    verb or added), and "recommends" only when its data gives no verb or the verb says it.
    """
    said = _words.guidance(advice, name)
    assert _says_verb(said, _words.verb_phrase(advice))
    assert said.startswith(_words.guideline(advice.source))
    if advice.verb.strip() and "recommends" not in advice.verb:
        assert "recommends" not in said
    if not _words.states_strength(advice):
        assert advice.strength.value in said
    if advice.certainty is not None:
        assert f"{_words.word(advice.certainty)} certainty" in said


# -- assessments ---------------------------------------------------------------------------


@pytest.mark.parametrize("pain_type", ALL_PAIN_TYPES, ids=str)
def test_ranking_assessments_are_the_catalogs_in_scope(pain_type: PainType) -> None:
    """``Ranking.assessments`` are the catalog's for the pain type, said before the options,
    and carried by the ranking document.
    """
    ranking = rank(pain_type)
    assert ranking.assessments == CATALOG.assessments_for(ranking.pain_type)
    explained = ranking.explain()
    for found in ranking.assessments:
        line = _words.assessment(found) + "."
        assert line in ranking.before
        assert line in explained
        if ranking.options:
            assert explained.index(line) < explained.index(ranking.options[0].explain())
    assert from_json(to_json(ranking), Ranking).assessments == ranking.assessments


def test_assessment_words(capsys: pytest.CaptureFixture[str]) -> None:
    """The dossier's words with where the guideline says it, before the CLI's table."""
    ranking = rank("low_back:chronic")
    assert ranking.before[0] == (
        "Before treating: think about alternative diagnoses and exclude specific causes of "
        "low back pain (cancer, infection, trauma, inflammatory disease such as "
        "spondyloarthritis) before treating it as non-specific (NICE NG59 1.1.1)."
    )
    assert (
        "Before treating: tell the patient that most people with acute or subacute low back "
        "pain improve over time whatever the treatment (ACP 2017, Recommendation 1 (its "
        "premise))."
    ) in rank("low_back:acute").before
    assert main(["rank", "low_back", "chronic"]) == 0
    out = _flat(capsys.readouterr().out)
    assert out.index("Ranking for chronic low back pain") < out.index("(NICE NG59 1.1.1)")
    assert out.index("(NICE NG59 1.1.1)") < out.index("# option")
    assert not rank("neck:chronic").assessments


# -- chronic by definition -----------------------------------------------------------------


@given(pain_types())
def test_coerce_reads_chronic_by_definition(pain_type: PainType) -> None:
    """Every entry point's reading of a pain type: chronic for the three conditions, any
    other as given; idempotent; the note only for those conditions.
    """
    found = PainType.coerce(pain_type)
    assert found == PainType.coerce(str(pain_type))
    assert PainType.coerce(found) == found
    if pain_type.condition in CHRONIC_BY_DEFINITION:
        assert found == PainType(pain_type.condition, Phase.CHRONIC)
        assert found.definition_note.endswith("is chronic by definition: ranked as chronic")
    else:
        assert found == pain_type
        assert found.definition_note == ""


@pytest.mark.parametrize("pain_type", BY_DEFINITION, ids=str)
def test_api_ranks_chronic_by_definition(pain_type: PainType) -> None:
    """rank, rank_many, plan, score and acceptability use the chronic phase, and say why."""
    chronic = PainType(pain_type.condition, Phase.CHRONIC)
    words = _words.CONDITION_WORDS[pain_type.condition]
    ranking = rank(pain_type)
    assert ranking == rank(chronic)
    assert ranking.pain_type == chronic
    assert f"{words.capitalize()} is chronic by definition: ranked as chronic." in (
        ranking.explain()
    )
    assert next(rank_many([(str(pain_type), None)])) == ranking
    assert plan(pain_type).pain_type == chronic
    exercise = CATALOG["exercise.therapeutic"]
    assert score(exercise, pain_type) == score(exercise, chronic)
    assert acceptability(pain_type, samples=20) == acceptability(chronic, samples=20)


@pytest.mark.parametrize("pain_type", BY_DEFINITION, ids=str)
def test_cli_ranks_chronic_by_definition(
    pain_type: PainType, capsys: pytest.CaptureFixture[str]
) -> None:
    """``rank CONDITION PHASE`` and ``--weeks``: the chronic ranking, and why."""
    condition = pain_type.condition.value
    words = _words.CONDITION_WORDS[pain_type.condition]
    weeks = {Phase.ACUTE: "2", Phase.SUBACUTE: "6", Phase.CHRONIC: "20"}[pain_type.phase]
    for arguments in (
        ["rank", condition, pain_type.phase.value],
        ["rank", condition, "--weeks", weeks],
    ):
        assert main(arguments) == 0
        out = _flat(capsys.readouterr().out)
        assert f"{words.capitalize()} is chronic by definition: ranked as chronic." in out
        assert f"Ranking for chronic {words}" in out


@pytest.mark.parametrize(
    ("system", "code", "condition"),
    [
        (SNOMED, "203082005", Condition.FIBROMYALGIA),
        (ICD10CM, "M17.11", Condition.KNEE_OSTEOARTHRITIS),
        (SNOMED, "239872002", Condition.HIP_OSTEOARTHRITIS),
    ],
)
@pytest.mark.parametrize(
    ("onset", "phase"),
    [("2023-12-20", Phase.ACUTE), ("2023-11-01", Phase.SUBACUTE), ("2022-01-01", Phase.CHRONIC)],
)
def test_fhir_ranks_chronic_by_definition(
    system: str, code: str, condition: Condition, onset: str, phase: Phase
) -> None:
    """A record whose onset alone gives any phase is ranked as chronic, and says why."""
    as_of = datetime.date(2024, 1, 1)
    assert Phase.from_weeks((as_of - datetime.date.fromisoformat(onset)).days / 7) is phase
    found = read_bundle(
        fhir_bundle(fhir_condition(system, code, onsetDateTime=onset)), as_of=as_of
    )
    (pain_type,) = found.pain_types
    ranking = rank(pain_type)
    assert ranking.pain_type == PainType(condition, Phase.CHRONIC)
    assert "is chronic by definition: ranked as chronic" in ranking.explain()
