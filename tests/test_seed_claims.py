"""The founding article's claims (shared/evidence/seed_claims.md), each as behaviour.

Built-in catalog, default scoring policy, unless a test says otherwise.
"""

from fractions import Fraction

from painmodalities import (
    CHRONIC_BY_DEFINITION,
    Activity,
    Certainty,
    Condition,
    Coverage,
    Criterion,
    ExclusionReason,
    Exercise,
    Horizon,
    Massage,
    MassageTechnique,
    Outcome,
    PainType,
    Patient,
    Phase,
    PhysicalTherapy,
    RankedOption,
    Ranking,
    UnrankedOption,
    default_catalog,
    rank,
)

CATALOG = default_catalog()


def _score(ranking: Ranking, modality_id: str) -> Fraction:
    """The score of a ranked or unranked option."""
    return ranking.score_of(modality_id).value


MASSAGES = [m for m in CATALOG if isinstance(m, Massage)]
ALL_PAIN_TYPES = [PainType(condition, phase) for condition in Condition for phase in Phase]
CHRONIC = [PainType(condition, Phase.CHRONIC) for condition in Condition]


def test_claim_1_massage_techniques_are_modalities() -> None:
    """Deep tissue, Swedish, structural and targeted techniques are each a modality."""
    techniques = {m.id: m.technique for m in MASSAGES}
    assert techniques == {
        "massage.swedish": MassageTechnique.SWEDISH,
        "massage.deep_tissue": MassageTechnique.DEEP_TISSUE,
        "massage.structural": MassageTechnique.STRUCTURAL,
        "massage.myofascial_release": MassageTechnique.TARGETED,
        "massage.trigger_point": MassageTechnique.TARGETED,
    }


def test_claim_2_massage_passive_exercise_and_physical_therapy_active() -> None:
    """Massage is done to the patient; exercise and physical therapy need the patient."""
    assert all(m.activity is Activity.PASSIVE for m in MASSAGES)
    active = [m for m in CATALOG if isinstance(m, Exercise | PhysicalTherapy)]
    assert len(active) == 4
    assert all(m.activity is Activity.ACTIVE for m in active)


def test_claim_3_massage_does_not_speed_acute_recovery() -> None:
    """No massage technique has a finding of function benefit for acute pain, at any
    certainty. Knee and hip osteoarthritis and fibromyalgia have no acute phase: they are
    chronic by definition, and ranked as chronic whatever phase is given.
    """
    for massage in MASSAGES:
        for condition in Condition:
            if condition in CHRONIC_BY_DEFINITION:
                continue
            acute = PainType(condition, Phase.ACUTE)
            assert not any(f.shows_benefit for f in massage.findings_for(acute, Outcome.FUNCTION))
            assert massage.expected_benefit(acute, min_certainty=Certainty.VERY_LOW) is None
            entry = rank(acute).entry(massage.id)
            assert isinstance(entry, UnrankedOption)
            assert entry.score.value == 0


def test_claim_4_chronic_pain_relief_for_a_while() -> None:
    """Massage has short-term pain findings in chronic conditions, and no function benefit
    at the long horizon (in every chronic condition of the catalog).
    """
    for massage in MASSAGES:
        short_pain = [
            f
            for pain in CHRONIC
            for f in massage.findings_for(pain, Outcome.PAIN)
            if f.shows_benefit and f.horizon <= Horizon.SHORT
        ]
        assert short_pain, massage.id
    for pain in CHRONIC:
        ranking = rank(pain)
        for massage in MASSAGES:
            assert massage.expected_benefit(pain) is not Horizon.LONG
            entry = ranking.entry(massage.id)
            assert isinstance(entry, RankedOption | UnrankedOption)
            assert entry.score.criteria[Criterion.DURABILITY] < 1


def test_claim_5_no_technique_shown_better_than_another() -> None:
    """Techniques differ in score only through technique-specific findings at low certainty
    or above: today, myofascial release in fibromyalgia, nowhere else.
    """
    differing = set()
    for pain in ALL_PAIN_TYPES:
        ranking = rank(pain)
        scores = {m.id: _score(ranking, m.id) for m in MASSAGES}
        pooled = min(scores.values())
        for massage in MASSAGES:
            if scores[massage.id] == pooled:
                continue
            differing.add((str(ranking.pain_type), massage.id))
            used = ranking.pain_type  # the chronic one for a condition chronic by definition
            shared = set.intersection(*(set(m.findings_for(used)) for m in MASSAGES))
            specific = [
                f
                for f in massage.findings_for(used)
                if f not in shared and f.certainty >= Certainty.LOW
            ]
            assert specific, (pain, massage.id)
    assert differing == {("fibromyalgia:chronic", "massage.myofascial_release")}


def test_claim_6_structural_massage_in_physical_therapy() -> None:
    """Structural massage may be covered by insurance and is a component of the physical
    therapy programme, which is exercise-led.
    """
    structural = CATALOG["massage.structural"]
    assert structural.coverage is Coverage.SOMETIMES
    assert "muscle activity" in structural.summary
    others = {m.coverage for m in MASSAGES if m is not structural}
    assert others == {Coverage.UNKNOWN}
    programme = CATALOG["physical_therapy.programme"]
    assert isinstance(programme, PhysicalTherapy)
    assert programme.components == ("exercise.therapeutic", "massage.structural")
    assert {f.component for f in programme.findings} == set(programme.components)


def test_claim_7_massage_session_is_45_minutes() -> None:
    """A massage session means about 45 minutes of direct contact with a therapist."""
    assert {m.session_minutes for m in MASSAGES} == {45}


def test_claim_8_no_mechanism_established() -> None:
    """The mechanism is unknown: every massage says 'mechanism established: no'."""
    assert all(m.mechanism_established is False for m in MASSAGES)


def test_claim_9_activity_carries_long_term_management() -> None:
    """In every chronic condition no massage technique ranks above the best-ranked active
    option; where no active option has scored evidence (chronic tension-type headache), no
    massage technique is ranked either; for chronic low back pain the top three options are
    all active.
    """
    massage_ids = {m.id for m in MASSAGES}
    without_active = []
    for pain in CHRONIC:
        ranking = rank(pain)
        active = [o.rank for o in ranking if o.modality.activity is Activity.ACTIVE]
        massages = [o.rank for o in ranking if o.modality.id in massage_ids]
        if not active:
            without_active.append(pain)
            assert massages == [], pain
            continue
        assert all(min(active) < place for place in massages), pain
    assert without_active == [PainType(Condition.TENSION_HEADACHE, Phase.CHRONIC)]
    top = rank("low_back:chronic").top(3)
    assert [o.modality.activity for o in top] == [Activity.ACTIVE] * 3


def test_claim_10_massage_is_not_a_long_term_solution() -> None:
    """Massage's expected benefit duration for function is never long (default policy)."""
    for massage in MASSAGES:
        for pain in ALL_PAIN_TYPES:
            assert massage.expected_benefit(pain) is not Horizon.LONG


def test_claim_11_coverage_hint_and_insurance_exclusion() -> None:
    """Every modality has a coverage hint, and a ranking excludes what the patient's
    insurance does not cover, saying so.
    """
    assert all(isinstance(m.coverage, Coverage) for m in CATALOG)
    for pain in CHRONIC:
        covered = frozenset({"physical_therapy.programme", "massage.structural"})
        ranking = rank(pain, patient=Patient(covered=covered))
        assert {e.modality.id for e in (*ranking.options, *ranking.unranked)} == covered
        for exclusion in ranking.excluded:
            assert [r.code for r in exclusion.reasons] == [ExclusionReason.NOT_COVERED]


def test_claim_12_massage_is_a_short_term_adjunct_to_an_active_core() -> None:
    """For chronic low back and chronic neck pain the plan's core is active, and every
    massage in the plan is a passive adjunct labelled short-term relief, never the core.
    """
    from painmodalities import PlanRole, plan

    massage_ids = {m.id for m in MASSAGES}
    seen_massage = False
    for pain in ("low_back:chronic", "neck:chronic"):
        care = plan(pain)
        assert care.core is not None, pain
        assert all(item.modality.activity is Activity.ACTIVE for item in care.core_choices)
        assert not massage_ids & {item.modality.id for item in care.core_choices}
        for item in care.adjuncts:
            if item.modality.id in massage_ids:
                seen_massage = True
                assert item.role is PlanRole.ADJUNCT
                assert item.short_term
                assert "short-term relief, not a long-term solution" in item.labels
    assert seen_massage  # chronic neck pain offers massage as an adjunct


SINGLE_EXCLUSIONS = [Patient(), *(Patient(exclude=frozenset({m.id})) for m in CATALOG)]


def test_claim_12_holds_for_every_chronic_pain_type_and_single_exclusion() -> None:
    """Massage is never the whole plan nor a core choice: it is offered only as a passive
    adjunct beside an active core, labelled short-term where its benefit ends by 6 months.
    """
    from painmodalities import PlanRole, plan

    massage_ids = {m.id for m in MASSAGES}
    offered = 0
    for pain in CHRONIC:
        for patient in SINGLE_EXCLUSIONS:
            care = plan(pain, patient=patient)
            assert not massage_ids & {item.modality.id for item in care.core_choices}
            for item in care.adjuncts:
                if item.modality.id in massage_ids:
                    offered += 1
                    assert care.core_choices, (pain, patient)
                    assert item.role is PlanRole.ADJUNCT
                    if item.short_term:
                        assert "short-term relief, not a long-term solution" in item.labels
    assert offered  # the claim is exercised, not vacuous


def test_claim_9_holds_on_technique_level_evidence() -> None:
    """A technique with findings of its own (not pooled across massage) never ranks above
    the best-ranked active option; there is such a technique, so the test can fail.
    """
    exercised = 0
    for pain in CHRONIC:
        ranking = rank(pain)
        pooled = set.intersection(*(set(m.findings_for(pain)) for m in MASSAGES))
        active = [o.rank for o in ranking if o.modality.activity is Activity.ACTIVE]
        for option in ranking:
            own = set(option.modality.findings_for(pain)) - pooled
            if isinstance(option.modality, Massage) and own:
                exercised += 1
                assert active, pain
                assert min(active) < option.rank, (pain, option.modality.id)
    assert exercised
