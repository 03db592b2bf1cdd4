"""The verified terminology the FHIR module ships: SNOMED CT concepts and ICD-10-CM prefixes.

Only rows of the dossier's ``codes/snomed.csv`` marked ``verified`` are here, copied by
hand with their displays; a test checks this table against a copy of the CSV. Rows marked
"not verified" (every massage technique, mindfulness, subacute low back pain) have no code:
the exporter then carries text only, and the importer reports such concepts as unmapped.

The ``referral:`` rows are referral codes (from the AHRQ test patients and NLM VSAC's
non-pharmacologic treatments value set). They are only ever read, never written: a referral
is not the modality. Those the dossier marks "approximate" name a provider or a broad therapy
(a chiropractor, psychotherapy) and keep that mark, so that the importer words them as the
referral they are ("referred to a chiropractor"), never as the modality itself.

ICD-10-CM categories come from ``codes/icd10cm.csv``; only the rows whose status says
``verified`` are shipped. The tension-type headache category ``G44.2`` is a standard
ICD-10 category that the dossier did not find in a value set, so it is left out: a tension
headache is read from its SNOMED CT code instead.

This module imports nothing heavy: reading the tables costs nothing.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import attrs

from painmodalities.vocabulary import Condition, Phase

__all__ = [
    "CERTAINTY_SYSTEMS",
    "ICD10CM_PREFIXES",
    "ICD10CM_SYSTEM",
    "SNOMED_SYSTEM",
    "SNOMED_VERIFIED",
    "UNCODED_MODALITIES",
    "SnomedConcept",
    "condition_codes",
    "icd10cm_condition",
    "is_uncoded",
    "modality_codes",
]

#: The SNOMED CT code system URI.
SNOMED_SYSTEM: Final = "http://snomed.info/sct"
#: The ICD-10-CM code system URI.
ICD10CM_SYSTEM: Final = "http://hl7.org/fhir/sid/icd-10-cm"
#: The GRADE certainty-rating code system of each FHIR version.
CERTAINTY_SYSTEMS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "R4B": "http://terminology.hl7.org/CodeSystem/certainty-rating",
        "R5": "http://hl7.org/fhir/certainty-rating",
    }
)


@attrs.frozen(kw_only=True)
class SnomedConcept:
    """One verified SNOMED CT concept and what it stands for in the library.

    Attributes:
        code: the concept id.
        display: its display, as found in the public terminology files.
        target: what it maps to: a modality id (``acupuncture``), a condition
            (``condition:low_back`` or ``condition:low_back+chronic``, the phase fixed by the
            concept), or a phase alone (``phase:chronic``).
            A referral code's target is ``referral:`` and a modality id
            (``referral:physical_therapy.programme``) or ``family:`` and a family's kind
            (``referral:family:psychological``).
        generic: whether the dossier marks the concept as broader than its target (such as
            ``Pain management`` for multidisciplinary rehabilitation). Generic concepts are
            exported as codings of their target but never read back as proof that the
            target was tried: that would be a guess.
        approximate: whether the dossier marks a referral code as naming a provider or a
            broad therapy rather than its target itself (``Referral to chiropractor``).
        words: for a referral code, what it says in plain words, to be followed by a date
            (``referred to a chiropractor``); empty for other concepts.
    """

    code: str
    display: str
    target: str
    generic: bool = False
    approximate: bool = False
    words: str = ""

    @property
    def is_modality(self) -> bool:
        """Whether the concept codes a modality itself (a procedure), not a referral."""
        return not self.target.startswith(("condition:", "phase:", "referral:"))

    @property
    def is_referral(self) -> bool:
        """Whether the concept codes a referral (a ``referral:`` row of ``snomed.csv``)."""
        return self.target.startswith("referral:")

    @property
    def refers_to(self) -> str | None:
        """What a referral code points to: a modality id or ``family:KIND``; else ``None``."""
        return self.target.removeprefix("referral:") if self.is_referral else None

    @property
    def condition(self) -> Condition | None:
        """The condition the concept codes, if it codes one."""
        if not self.target.startswith("condition:"):
            return None
        return Condition(self.target.removeprefix("condition:").partition("+")[0])

    @property
    def phase(self) -> Phase | None:
        """The phase the concept fixes, if it fixes one (``Chronic low back pain``)."""
        if self.target.startswith("phase:"):
            return Phase(self.target.removeprefix("phase:"))
        _, plus, phase = self.target.partition("+")
        return Phase(phase) if plus else None


def _table(*concepts: SnomedConcept) -> Mapping[str, SnomedConcept]:
    return MappingProxyType({concept.code: concept for concept in concepts})


#: Every verified SNOMED CT concept, by code (rows of ``snomed.csv`` marked verified,
#: the referral codes among them).
SNOMED_VERIFIED: Final[Mapping[str, SnomedConcept]] = _table(
    SnomedConcept(
        code="91251008", display="Physical therapy procedure", target="physical_therapy.programme"
    ),
    SnomedConcept(code="229065009", display="Exercise therapy", target="exercise.therapeutic"),
    SnomedConcept(
        code="44275008", display="Manipulation of spine", target="manual.spinal_manipulation"
    ),
    SnomedConcept(code="44868003", display="Acupuncture", target="acupuncture"),
    SnomedConcept(code="229224000", display="Participation in yoga", target="exercise.yoga"),
    SnomedConcept(code="229223006", display="Participation in Tai Chi", target="exercise.tai_chi"),
    SnomedConcept(
        code="228557008", display="Cognitive and behavioral therapy", target="psychological.cbt"
    ),
    SnomedConcept(code="266694003", display="Heat therapy", target="physical_agent.heat"),
    SnomedConcept(
        code="229559001",
        display="Transcutaneous nerve stimulation therapy",
        target="physical_agent.tens",
    ),
    SnomedConcept(
        code="52052004",
        display="Rehabilitation therapy",
        target="rehabilitation.multidisciplinary",
        generic=True,
    ),
    SnomedConcept(
        code="278414003",
        display="Pain management",
        target="rehabilitation.multidisciplinary",
        generic=True,
    ),
    SnomedConcept(code="279039007", display="Low back pain", target="condition:low_back"),
    SnomedConcept(
        code="278862001", display="Acute low back pain", target="condition:low_back+acute"
    ),
    SnomedConcept(
        code="278860009", display="Chronic low back pain", target="condition:low_back+chronic"
    ),
    SnomedConcept(code="81680005", display="Neck pain", target="condition:neck"),
    SnomedConcept(
        code="239873007", display="Osteoarthritis of knee", target="condition:knee_osteoarthritis"
    ),
    SnomedConcept(
        code="239872002", display="Osteoarthritis of hip", target="condition:hip_osteoarthritis"
    ),
    SnomedConcept(code="203082005", display="Fibromyalgia", target="condition:fibromyalgia"),
    SnomedConcept(
        code="398057008", display="Tension-type headache", target="condition:tension_headache"
    ),
    SnomedConcept(code="274663001", display="Acute pain", target="phase:acute"),
    SnomedConcept(code="82423001", display="Chronic pain", target="phase:chronic"),
    SnomedConcept(
        code="444831000124102",
        display="Referral for physical therapy",
        target="referral:physical_therapy.programme",
        words="referred for physical therapy",
    ),
    SnomedConcept(
        code="308449000",
        display="Referral to chiropractor",
        target="referral:manual.spinal_manipulation",
        approximate=True,
        words="referred to a chiropractor",
    ),
    SnomedConcept(
        code="81294000",
        display="Patient referral for psychotherapy",
        target="referral:family:psychological",
        approximate=True,
        words="referred for psychotherapy",
    ),
)

#: Modality ids (``*`` matches any ending) for which the dossier found no trustworthy
#: SNOMED CT code: the exporter ships none, and refuses a user's SNOMED coding for them.
UNCODED_MODALITIES: Final[tuple[str, ...]] = ("massage.*", "psychological.mindfulness")

#: Verified ICD-10-CM category prefixes, by prefix (rows of ``icd10cm.csv`` marked verified).
ICD10CM_PREFIXES: Final[Mapping[str, Condition]] = MappingProxyType(
    {
        "M54.5": Condition.LOW_BACK,
        "M54.2": Condition.NECK,
        "M17": Condition.KNEE_OSTEOARTHRITIS,
        "M16": Condition.HIP_OSTEOARTHRITIS,
        "M79.7": Condition.FIBROMYALGIA,
    }
)


def _matches(pattern: str, modality_id: str) -> bool:
    if pattern.endswith(".*"):
        return modality_id.startswith(pattern[:-1])
    return modality_id == pattern


def is_uncoded(modality_id: str) -> bool:
    """Whether the dossier found no trustworthy SNOMED CT code for ``modality_id``."""
    return any(_matches(pattern, modality_id) for pattern in UNCODED_MODALITIES)


def modality_codes(modality_id: str) -> tuple[SnomedConcept, ...]:
    """The verified SNOMED CT concepts that code ``modality_id`` (often none)."""
    return tuple(concept for concept in SNOMED_VERIFIED.values() if concept.target == modality_id)


def condition_codes(condition: Condition, phase: Phase) -> tuple[SnomedConcept, ...]:
    """The verified SNOMED CT concept for a pain type: the phase-specific one if verified.

    Chronic low back pain is ``278860009``; subacute low back pain has no verified concept,
    so it is the plain ``Low back pain`` (as ``snomed.csv`` advises), the phase in text.
    """
    specific = [
        concept
        for concept in SNOMED_VERIFIED.values()
        if concept.condition is condition and concept.phase is phase
    ]
    if specific:
        return tuple(specific)
    return tuple(
        concept
        for concept in SNOMED_VERIFIED.values()
        if concept.condition is condition and concept.phase is None
    )


def icd10cm_condition(code: str) -> tuple[str, Condition] | None:
    """The verified prefix an ICD-10-CM code falls under, and its condition.

    Codes are compared without dots and case (``m545`` is ``M54.5``). A code shorter than a
    prefix never matches it: ``M54`` (dorsalgia, unspecified) is not low back pain.

    >>> icd10cm_condition("M54.50")
    ('M54.5', <Condition.LOW_BACK: 'low_back'>)
    >>> icd10cm_condition("M54.9") is None
    True
    """
    bare = code.strip().upper().replace(".", "")
    for prefix, condition in ICD10CM_PREFIXES.items():
        if bare.startswith(prefix.replace(".", "")):
            return prefix, condition
    return None
