"""check_ranking: what every result of rank() satisfies, and that it notices each edit."""

import attrs
from hypothesis import given
from hypothesis import strategies as st

from painmodalities import Ranking, check_ranking, check_score, rank

from .strategies import catalogs, default_rankings, pain_types, policies, rankings, weights


@st.composite
def ranked_rankings(draw: st.DrawFn) -> Ranking:
    """A ranking of a generated catalog whose findings are mostly about the pain type ranked,
    with no patient constraints: most such rankings rank several options.
    """
    pain = draw(pain_types())
    catalog = draw(catalogs(min_size=2, pains=st.just(pain)))
    return rank(pain, catalog=catalog, weights=draw(weights()), policy=draw(policies()))


@given(rankings() | default_rankings())
def test_check_ranking_passes_every_ranking(ranking: Ranking) -> None:
    """check_ranking finds nothing wrong with any result of rank(), nor check_score with
    any of its scores.
    """
    assert check_ranking(ranking) == []
    assert all(check_score(option.score) == [] for option in ranking.options)


@given(
    (ranked_rankings() | default_rankings()).filter(lambda ranking: len(ranking.options) >= 2),
    st.data(),
)
def test_check_ranking_reports_every_single_edit(ranking: Ranking, data: st.DataObject) -> None:
    """One edit of an option's place in the order, its rank, its score's value or one of
    its score's contributions is always reported.
    """
    options = list(ranking.options)
    index = data.draw(st.integers(0, len(options) - 1), label="index")
    option = options[index]
    edit = data.draw(st.sampled_from(["order", "rank", "value", "contribution"]), label="edit")
    delta = data.draw(st.fractions(min_value=-1, max_value=1).filter(bool), label="delta")
    if edit == "order":
        other = data.draw(st.integers(0, len(options) - 1).filter(lambda at: at != index))
        options[index], options[other] = options[other], options[index]
    elif edit == "rank":
        rank = data.draw(st.integers(-2, len(options) + 2).filter(lambda at: at != option.rank))
        options[index] = attrs.evolve(option, rank=rank)
    elif edit == "value":
        options[index] = attrs.evolve(
            option, score=attrs.evolve(option.score, value=option.score.value + delta)
        )
    else:
        parts = list(option.score.contributions)
        at = data.draw(st.integers(0, len(parts) - 1), label="contribution")
        parts[at] = attrs.evolve(parts[at], value=parts[at].value + delta)
        score = attrs.evolve(option.score, contributions=tuple(parts))
        options[index] = attrs.evolve(option, score=score)
    assert check_ranking(attrs.evolve(ranking, options=tuple(options))) != []
