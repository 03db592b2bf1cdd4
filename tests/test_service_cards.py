"""The service's card content (painmodalities.service._cards), in process.

The ``patient-view`` card of a pain type is written once as a template and filled in each
call; these tests hold the filled card to the card built directly from records.
"""

import datetime
import itertools
import uuid
from collections.abc import Callable

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from painmodalities import Modality, PainType, Patient, _words, default_catalog, rank
from painmodalities.fhir import SNOMED_VERIFIED, read_bundle
from painmodalities.fhir._codes import modality_codes
from painmodalities.service import _cards, _records
from tests.samples import fhir_fixture

DOCS = "https://docs.example/painmodalities/"
#: Any patient id: the template escapes it as it escapes the record text, whatever the
#: service's own check of ``context.patientId`` lets through.
PATIENT_IDS = st.one_of(st.from_regex(r"[A-Za-z0-9\-.]{1,64}", fullmatch=True), st.text())
PAIN_TYPES = [PainType.parse(text) for text in ("low_back:chronic", "fibromyalgia:chronic")]


def ids(seed: int) -> Callable[[], uuid.UUID]:
    """A ``new_id`` that gives the same sequence of UUIDs for the same seed."""
    numbers = itertools.count(seed * 1000)
    return lambda: uuid.UUID(int=next(numbers), version=4)


def drawn(seed: int, template: _cards.CardTemplate) -> list[str]:
    """The ids :func:`ids` gives for ``seed``, as many as ``template`` fills, as text."""
    new_id = ids(seed)
    return [str(new_id()) for _ in range(template.ids)]


ADVICE = {pain_type: _cards.Advice.of(rank(pain_type)) for pain_type in PAIN_TYPES}
TEMPLATES = {
    pain_type: _cards.CardTemplate.of(ADVICE[pain_type], DOCS) for pain_type in PAIN_TYPES
}


def direct(pain_type: PainType, record: str, patient: str, seed: int) -> object:
    """The card built from records and written as JSON values."""
    card = _cards.pain_type_card(
        ADVICE[pain_type], record, patient=patient, docs_url=DOCS, new_id=ids(seed)
    )
    return _records.write(card)


@pytest.mark.parametrize("name", ["brenda_jackson", "lois_lane"])
def test_a_filled_template_is_the_card_built_directly(name: str) -> None:
    """For the fixtures' records, the template gives exactly the directly built card."""
    found = read_bundle(fhir_fixture(name), as_of=datetime.date(2024, 6, 1))
    record = _cards.record_section(found)
    assert found.pain_types
    for pain_type in found.pain_types:
        template = TEMPLATES[pain_type]
        filled = template.fill(record=record, patient=name, ids=drawn(7, template))
        assert orjson.loads(filled) == direct(pain_type, record, name, 7)


@given(
    st.sampled_from(PAIN_TYPES),
    st.text(max_size=200),
    PATIENT_IDS,
    st.integers(0, 10**6),
)
def test_any_record_text_and_patient_fill_the_template_as_built_directly(
    pain_type: PainType, record: str, patient: str, seed: int
) -> None:
    """Quotes, backslashes, newlines and any other text in the record or id stay text."""
    template = TEMPLATES[pain_type]
    filled = template.fill(record=record, patient=patient, ids=drawn(seed, template))
    value = orjson.loads(filled)
    assert value == direct(pain_type, record, patient, seed)
    assert value["uuid"] == str(
        uuid.UUID(int=seed * 1000 + TEMPLATES[pain_type].card_id, version=4)
    )
    detail = _records.read(value, _records.Card).detail
    assert detail is not None
    assert detail.endswith(record)


def test_each_fill_has_fresh_unique_ids_and_only_its_own_patient() -> None:
    """Two calls for two patients share the template, never an id or a patient."""
    template = TEMPLATES[PAIN_TYPES[0]]
    first = orjson.loads(
        template.fill(record="- none", patient="alice", ids=_cards.fresh_ids(template.ids))
    )
    second = orjson.loads(
        template.fill(record="- none", patient="bob", ids=_cards.fresh_ids(template.ids))
    )
    found = [
        [first["uuid"], *(suggestion["uuid"] for suggestion in first["suggestions"])],
        [second["uuid"], *(suggestion["uuid"] for suggestion in second["suggestions"])],
    ]
    assert len(found[0]) > 1
    assert len(set(found[0] + found[1])) == len(found[0]) + len(found[1])
    assert b"Patient/alice" in orjson.dumps(first)
    assert b"bob" not in orjson.dumps(first)
    assert {
        action["resource"]["subject"]["reference"]
        for suggestion in second["suggestions"]
        for action in suggestion["actions"]
    } == {"Patient/bob"}


@given(st.integers(0, 40))
def test_fresh_ids_are_distinct_random_uuids_as_uuid4_makes_them(count: int) -> None:
    """Each id is a canonical version-4 UUID of the RFC 4122 variant, none repeated."""
    found = _cards.fresh_ids(count)
    assert len(found) == count
    assert len(set(found)) == count
    for text in found:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_error_a_template_filled_with_too_few_ids() -> None:
    """A card is never written with a slot left without its id."""
    template = TEMPLATES[PAIN_TYPES[0]]
    with pytest.raises(ValueError, match=f"needs {template.ids} ids"):
        template.fill(record="- none", patient="dave", ids=_cards.fresh_ids(template.ids - 1))


def test_a_template_holds_no_patient_data() -> None:
    """What is kept between calls is the same whoever was filled in."""
    template = TEMPLATES[PAIN_TYPES[0]]
    before = (template.pieces, template.slots)
    fresh = _cards.fresh_ids(template.ids)
    template.fill(record="- Referred for physical therapy", patient="carol", ids=fresh)
    assert (template.pieces, template.slots) == before
    assert not any(b"carol" in piece or b"Referred" in piece for piece in template.pieces)
    assert template.slots.count("patient") >= 1
    assert template.slots.count("record") == 1


def test_patient_view_plan_section_says_which_precautions_were_not_checked() -> None:
    from painmodalities import plan
    from painmodalities.service import _cards

    text = _cards.care_plan_section(plan("neck:chronic"))
    assert "Precautions not checked" in text
    assert "structural massage and trigger point massage, check for: blood clot" in text
    assert "- Before Swedish (relaxation) massage, check for: blood clot, fracture" in text
    assert "(nccih-massage)" in text
    # a plan for a patient checked and found to have none says nothing of it
    checked = _cards.care_plan_section(
        plan("neck:chronic", patient=Patient(precautions_known=True))
    )
    assert "Precautions not checked" not in checked
    assert "check for:" not in checked


def test_order_sign_for_exercise_in_acute_low_back_pain_draws_no_warning() -> None:
    from painmodalities import default_catalog, rank
    from painmodalities.service import _cards

    exercise = default_catalog()["exercise.therapeutic"]
    assert _cards.ruled_out_reasons(rank("low_back:acute"), exercise) == ()
    tens = default_catalog()["physical_agent.tens"]
    reasons = _cards.ruled_out_reasons(rank("low_back:chronic"), tens)
    assert any("NICE NG59" in reason for reason in reasons)


@pytest.mark.parametrize("modality", list(default_catalog()), ids=lambda found: found.id)
def test_a_draft_order_is_coded_only_with_a_verified_code_and_says_when_it_has_none(
    modality: Modality,
) -> None:
    """A suggested order carries the modality's verified SNOMED CT concepts; advice and
    self-management (and every modality the dossier verified no code for) is ordered by
    name with a note that says there is no code, never a code made up.
    """
    request = _cards.service_request(modality, PainType.parse("low_back:acute"), "p1")
    verified = [found for found in modality_codes(modality.id) if not found.generic]
    codes = [coding["code"] for coding in request["code"].get("coding", [])]
    assert codes == [found.code for found in verified]
    assert all(SNOMED_VERIFIED[code].target == modality.id for code in codes)
    notes = [note["text"] for note in request.get("note", [])]
    if codes:
        assert notes == []
    else:
        assert notes == [_words.no_snomed_code(modality.name)]
        assert "No SNOMED CT code" in notes[0]
    if modality.id in ("self_management.advice", "lifestyle.weight_management"):
        assert not codes


def test_the_advice_suggestion_says_it_has_no_code() -> None:
    """Acute low back pain: the card suggests ordering advice, by name, and says it has no
    SNOMED CT code.
    """
    advice = _cards.Advice.of(rank("low_back:acute"))
    (option,) = _cards.core_choices(advice.care)
    assert option.modality.id == "self_management.advice"
    request = _cards.service_request(option.modality, advice.care.pain_type, "p1")
    assert "coding" not in request["code"]
    assert request["note"] == [
        {
            "text": "No SNOMED CT code: the evidence dossier holds no verified code for "
            "advice, education and self-management (stay active); this order names it in "
            "text only."
        }
    ]
