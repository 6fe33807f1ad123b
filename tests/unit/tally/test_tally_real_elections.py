"""pb.tally on real Pabulib elections, against pabutools 1.2.3.

- The files copied into tests/data/pabulib: our rules against pabutools run here (the cheap rules
  on every file, MES with Add1 on the small ones) and against the stored outcomes
  (tests/data/pabulib/expected-pabutools-1.2.3.json) for every rule.
- A few large files read from shared/pabulib beside the repository (CI has it): against the
  stored outcomes only, since pabutools needs minutes for them.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from pabutools.election import (
    Additive_Cardinal_Sat,
    ApprovalBallot,
    ApprovalProfile,
    Cost_Sat,
    parse_pabulib,
)
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)

from pb.tally import MesStep, read_pabulib, tally, tally_file

REPO = Path(__file__).resolve().parents[3]
DATA = REPO / "tests" / "data" / "pabulib"
SHARED = REPO / ".." / "shared" / "pabulib"
EXPECTED = json.loads((DATA / "expected-pabutools-1.2.3.json").read_text(encoding="utf-8"))["files"]
COPIED = sorted(name for name, entry in EXPECTED.items() if entry["copied"])
LARGE = sorted(name for name, entry in EXPECTED.items() if not entry["copied"])

# Our rule name for each rule name of the expected outcomes.
OURS = {
    "greedy_cost": "greedy",
    "greedy_card": "greedy_points",  # on approval ballots: one point per approval
    "greedy_points": "greedy_points",
    "mes_cost": "mes_cost",
    "mes_cost_add1": "mes_cost_add1",
    "mes_cost_add1_greedy": "mes_cost_add1_greedy",
    "mes_points": "mes_points",
    "seq_phragmen": "phragmen",
}
SORTED_BY_PABUTOOLS = {"seq_phragmen"}  # pabutools returns Phragmén's outcome sorted
# MES with Add1 in pabutools takes under a second on these.
SMALL_ADD1 = {name for name in COPIED if EXPECTED[name]["rules"]["mes_cost_add1"]["time_s"] < 1}

_ELECTIONS: dict[str, object] = {}
_RESULTS: dict[tuple[str, str], list[str]] = {}


def election(name: str, folder: Path = DATA):
    if name not in _ELECTIONS:
        _ELECTIONS[name] = read_pabulib(folder / name)
    return _ELECTIONS[name]


def check(name: str, rule: str, selected: list[str]) -> None:
    expected = EXPECTED[name]["rules"][rule]
    assert expected["status"] == "ok"
    if rule in SORTED_BY_PABUTOOLS:
        assert sorted(selected) == expected["selected"]
    else:
        assert selected == expected["selected"]


def expected_cases(names):
    for name in names:
        rules = EXPECTED[name]["rules"]
        for rule in OURS:
            if rule not in rules or rules[rule]["status"] != "ok":
                continue
            if rule == "greedy_card" and EXPECTED[name]["stats"]["vote_type"] == "cumulative":
                continue
            yield pytest.param(name, rule, id=f"{name[:40]}-{rule}")


def test_the_copied_files_cover_every_vote_type():
    types = {EXPECTED[name]["stats"]["vote_type"] for name in COPIED}
    assert types == {"approval", "choose-1", "ordinal", "cumulative"}
    assert sum((DATA / name).stat().st_size for name in COPIED) < 2_500_000
    for name in COPIED:
        e = election(name)
        assert len(e.projects) == EXPECTED[name]["stats"]["num_projects"]
        assert len(e.ballots) == EXPECTED[name]["stats"]["num_voters"]


def outcome(name: str, rule: str, folder: Path = DATA) -> list[str]:
    """Our outcome for a rule of the expected outcomes; MES with Add1 is computed once."""
    if rule == "mes_cost_add1":  # the MES part of mes_cost_add1_greedy
        outcome(name, "mes_cost_add1_greedy", folder)
        return _RESULTS[name, rule]
    if (name, rule) not in _RESULTS:
        result = tally(election(name, folder), OURS[rule])
        _RESULTS[name, rule] = result.selected
        if rule == "mes_cost_add1_greedy":
            _RESULTS[name, "mes_cost_add1"] = [
                s.project for s in result.trace if s.phase == "mes" and s.selected
            ]
    return _RESULTS[name, rule]


@pytest.mark.parametrize(("name", "rule"), list(expected_cases(COPIED)))
def test_copied_file_matches_stored_pabutools_outcome(name, rule):
    check(name, rule, outcome(name, rule))


@pytest.mark.parametrize("name", COPIED)
def test_copied_file_matches_pabutools_run_now(name):
    instance, profile = parse_pabulib(str(DATA / name))
    e = election(name)
    cumulative = e.vote_type.value == "cumulative"
    if cumulative:  # approvals: every project with more than 0 points
        approvals = ApprovalProfile(
            [ApprovalBallot([p for p in b if b[p] > 0]) for b in profile]
        ).as_multiprofile()
    elif e.vote_type.value == "ordinal":  # approvals: every ranked project
        approvals = ApprovalProfile([ApprovalBallot(list(b)) for b in profile]).as_multiprofile()
    else:
        approvals = profile.as_multiprofile()

    def names(allocation):
        return [p.name for p in allocation]

    greedy = names(greedy_utilitarian_welfare(instance, approvals, sat_class=Cost_Sat))
    assert tally(e, "greedy").selected == greedy
    plain = names(method_of_equal_shares(instance, approvals, sat_class=Cost_Sat))
    assert tally(e, "mes_cost").selected == plain
    phragmen = names(sequential_phragmen(instance, approvals))
    assert sorted(tally(e, "phragmen").selected) == sorted(phragmen)
    if cumulative:
        points = profile.as_multiprofile()
        sat = Additive_Cardinal_Sat
        assert tally(e, "mes_points").selected == names(
            method_of_equal_shares(instance, points, sat_class=sat)
        )
        assert tally(e, "greedy_points").selected == names(
            greedy_utilitarian_welfare(instance, points, sat_class=sat)
        )
    if name in SMALL_ADD1:
        add1 = names(
            completion_by_rule_combination(
                instance,
                approvals,
                [method_of_equal_shares, greedy_utilitarian_welfare],
                [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}],
            )
        )
        assert outcome(name, "mes_cost_add1_greedy") == add1
        if cumulative:
            sat = Additive_Cardinal_Sat
            add1_points = names(
                completion_by_rule_combination(
                    instance,
                    profile.as_multiprofile(),
                    [method_of_equal_shares, greedy_utilitarian_welfare],
                    [{"sat_class": sat, "voter_budget_increment": 1}, {"sat_class": sat}],
                )
            )
            assert sorted(tally(e, "mes").selected) == sorted(add1_points)


@pytest.mark.parametrize("name", ["Netherlands_Assen_2024.pb", "Poland_Swiecie_2023.pb"])
def test_official_equal_shares_outcomes(name):
    """Assen 2024 and Świecie 2023 were decided by MES with Add1 (without a completion)."""
    official = EXPECTED[name]["official_selected"]
    assert official
    assert sorted(tally_file(DATA / name, "mes_cost_add1")) == sorted(official)


def test_mes_trace_is_exact_and_adds_up():
    e = election("Poland_Warszawa_2017_Kolo.pb")
    result = tally(e, "mes")
    steps = [s for s in result.trace if isinstance(s, MesStep)]
    assert [s.project for s in steps] == result.selected[: len(steps)]
    per_voter = result.details["budget_per_voter"]
    costs = {p.id: p.cost for p in e.projects}
    for step in steps:
        assert isinstance(step.share, Fraction) and isinstance(step.rho, Fraction)
        assert step.budget_per_voter == per_voter
        # the supporters who pay in full and the others pay exactly the cost
        assert step.full_payers * step.share + step.partial_total == costs[step.project]
        assert step.share == step.rho * costs[step.project]
        assert 0 <= step.partial_total < step.partial_payers * step.share or (
            step.partial_payers == 0 and step.partial_total == 0
        )
        assert step.payers <= step.supporters
        assert step.share <= per_voter
    assert "round 1" in str(steps[0])


# ------------------------------------------------------------------- large files from shared/
def shared_file(name: str) -> Path:
    path = SHARED / name
    if not path.is_file():
        pytest.skip(f"{path} is missing: the large Pabulib files come from shared/pabulib")
    return path


@pytest.mark.parametrize(("name", "rule"), list(expected_cases(LARGE)))
def test_large_file_matches_stored_pabutools_outcome(name, rule):
    check(name, rule, outcome(name, rule, shared_file(name).parent))
