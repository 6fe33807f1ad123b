""" "How the count worked" tells what happened, on random elections of every size and rule:
each proposal is either bought (and how) or not bought (and why), never both; what the winners
cost adds up to what was spent; each bought-with-equal-shares line adds up to the proposal's cost;
and when the count raised everyone's share, the explainer says so."""

import random
from types import SimpleNamespace

import pytest

from pb.tally import Election, VoteType, tally
from pb.voting.explain import results_view
from pb.voting.services import _plain


def random_round(rng: random.Random):
    count = rng.randint(1, 9)
    proposals = [
        SimpleNamespace(id=i + 1, title=f"P{i + 1}", ballot_cost_ore=rng.randint(1, 60) * 10_000)
        for i in range(count)
    ]
    budget = rng.randint(1, 30) * 20_000
    voters = rng.randint(1, 12)
    ballots = []
    for _ in range(voters):
        # Small rounds: most voters tick few proposals, so some get no votes at all.
        size = rng.choice([1, 1, 2, 3])
        ballots.append(rng.sample([str(p.id) for p in proposals], min(size, count)))
    return proposals, budget, ballots


def counted(proposals, budget, ballots, rule):
    election = Election.build(
        {str(p.id): p.ballot_cost_ore for p in proposals}, budget, ballots, VoteType.APPROVAL
    )
    outcome = tally(election, rule)
    scores = {str(p.id): sum(str(p.id) in b for b in ballots) for p in proposals}
    by_id = {str(p.id): p for p in proposals}
    return SimpleNamespace(
        rule=rule,
        selected=[int(i) for i in outcome.selected],
        scores=scores,
        trace=_plain(list(outcome.trace)),
        voters=len(ballots),
        eligible=len(ballots) + 3,
        budget_ore=budget,
        used_ore=sum(by_id[i].ballot_cost_ore for i in outcome.selected),
    )


@pytest.mark.parametrize("rule", ["mes", "greedy", "phragmen"])
def test_the_explainer_agrees_with_the_trace_on_random_elections(rule):
    rng = random.Random(f"explainer-{rule}")
    raised = completed_after_skip = unvoted_bought = 0
    for _ in range(300):
        proposals, budget, ballots = random_round(rng)
        result = counted(proposals, budget, ballots, rule)
        view = results_view(None, result, proposals)
        bought = [b.proposal.id for b in view["bought"]]
        not_bought = [n.proposal.id for n in view["not_bought"]]
        assert not set(bought) & set(not_bought)
        assert sorted(bought + not_bought) == [p.id for p in proposals]
        assert bought == result.selected
        assert view["spent_ore"] == result.used_ore <= budget
        for b in view["bought"]:
            if b.how == "mes" and b.step["share_ore"] is not None:
                paid = b.step["full_payers"] * b.step["share_ore"] + b.step["partial_total_ore"]
                assert abs(paid - b.cost_ore) <= b.step["full_payers"] + 1
            if b.how == "completion" and b.supporters_had_ore is not None:
                completed_after_skip += 1
            unvoted_bought += b.nobody_voted
        for n in view["not_bought"]:
            # Every proposal not bought has a reason the page can state.
            assert (
                n.score == 0
                or n.supporters_had_ore is not None
                or n.left_when_tried_ore is not None
                or n.phragmen is not None
            ), (rule, n)
        if view["share"] and view["share"]["final_ore"] > view["share"]["start_ore"]:
            raised += 1
    if rule == "mes":
        # The cases the issue names do occur, so the checks above were exercised on them.
        assert raised > 20 and completed_after_skip > 5
    assert unvoted_bought > 5


def test_a_small_round_reads_right():
    """The reported case: 2 voters and NOK 1,000,000. Before, the page said the money was split
    equally while one voter paid more than half of it, and listed proposals bought with the money
    left over also as "did not fit"."""
    costs = {1: 585_000, 2: 120_000, 3: 250_000, 4: 400_000}
    proposals = [
        SimpleNamespace(id=i, title=f"P{i}", ballot_cost_ore=cost * 100)
        for i, cost in costs.items()
    ]
    result = counted(proposals, 1_000_000_00, [["1", "3"], ["1"]], "mes")
    view = results_view(None, result, proposals)
    assert view["share"]["start_ore"] == 500_000_00
    assert view["share"]["final_ore"] >= (292_500 + 250_000) * 100  # raised so that 3 fits
    assert [b.proposal.id for b in view["bought_with_shares"]] == [1, 3]
    (after,) = view["bought_after"]
    assert after.proposal.id == 2 and after.nobody_voted
    assert [n.proposal.id for n in view["not_bought"]] == [4]
    assert view["spent_ore"] == (585_000 + 250_000 + 120_000) * 100
