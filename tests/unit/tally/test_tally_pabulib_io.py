"""Reading and writing Pabulib files: round trips and one-line errors for malformed files."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pb.tally import (
    ApprovalBallot,
    Election,
    OrdinalBallot,
    PabulibError,
    PointsBallot,
    Project,
    read_pabulib,
    read_pabulib_string,
    tally_file,
    write_pabulib,
)
from pb.tally.pabulib import election_to_pabulib_string, format_number

DATA = Path(__file__).resolve().parents[2] / "data" / "pabulib"
FILES = sorted(DATA.glob("*.pb"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:40])
def test_copied_files_round_trip(path, tmp_path):
    election = read_pabulib(path)
    out = tmp_path / "copy.pb"
    write_pabulib(election, out)
    again = read_pabulib(out)
    assert again == election
    assert election_to_pabulib_string(again) == out.read_text(encoding="utf-8")


def test_decimal_costs_are_exact():
    election = read_pabulib(DATA / "Poland_Krakow_2025_Pradnik_Bialy.pb")
    assert election.budget == Fraction("2828094.61")
    assert election.money_scale() % 100 == 0
    assert format_number(Fraction("2828094.61")) == "2828094.61"
    assert format_number(Fraction(-1, 8)) == "-0.125"
    with pytest.raises(ValueError):
        format_number(Fraction(1, 3))


ids = st.text(alphabet="abcXY019_-", min_size=1, max_size=4)
# Values are read stripped, and "None" means missing: names avoid both.
names = (
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n\x00"), max_size=12)
    .map(str.strip)
    .filter(lambda s: s.lower() != "none")
)
amounts = st.builds(
    lambda n, d: Fraction(n, d), st.integers(0, 10**7), st.sampled_from([1, 2, 4, 5, 10, 100])
)


@st.composite
def elections(draw):
    project_ids = draw(st.lists(ids, min_size=1, max_size=6, unique=True))
    projects = [Project(pid, draw(amounts), draw(names)) for pid in project_ids]
    vote_type = draw(st.sampled_from(["approval", "choose-1", "ordinal", "cumulative", "scoring"]))
    ballots = []
    for index in range(draw(st.integers(0, 8))):
        chosen = draw(
            st.lists(st.sampled_from(project_ids), unique=True, max_size=len(project_ids))
        )
        voter = f"v{index}"
        extra = (("age", str(draw(st.integers(15, 90)))), ("note", draw(names)))
        if vote_type == "choose-1":
            ballots.append(ApprovalBallot(frozenset(chosen[:1]), voter, extra))
        elif vote_type == "approval":
            ballots.append(ApprovalBallot(frozenset(chosen), voter, extra))
        elif vote_type == "ordinal":
            ballots.append(OrdinalBallot(tuple(chosen), voter, extra))
        else:
            scores = tuple((p, draw(amounts)) for p in chosen)
            ballots.append(PointsBallot(scores, voter, extra))
    meta = (("description", draw(names)), ("country", "Norway"))
    return Election(tuple(projects), draw(amounts), tuple(ballots), vote_type, meta)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(elections())
def test_random_elections_round_trip(election):
    text = election_to_pabulib_string(election)
    assert read_pabulib_string(text) == election


MINIMAL = """META
key;value
budget;100
vote_type;{vote_type}
PROJECTS
project_id;cost;name
1;60;One
2;40;"Two; with a semicolon"
VOTES
voter_id;vote{points_header}
a;{vote}{points}
"""


def minimal(vote_type="approval", vote="1,2", points=None) -> str:
    return MINIMAL.format(
        vote_type=vote_type,
        vote=vote,
        points_header=";points" if points is not None else "",
        points=f";{points}" if points is not None else "",
    )


def test_minimal_file_reads():
    election = read_pabulib_string(minimal())
    assert election.project("2").name == "Two; with a semicolon"
    assert election.ballots[0].approved() == {"1", "2"}
    cumulative = read_pabulib_string(minimal("cumulative", "1,2", "3,0"))
    assert cumulative.ballots[0].approved() == {"1"}
    assert cumulative.ballots[0].points() == {"1": 3, "2": 0}


MALFORMED = [
    # (text, section, line, words in the message)
    (minimal(vote="1,x"), "VOTES", 11, "project 'x' is not in PROJECTS"),
    (minimal(vote="1,1"), "VOTES", 11, "appears twice"),
    (minimal("choose-1", "1,2"), "VOTES", 11, "choose-1"),
    (minimal("cumulative", "1,2", "3"), "VOTES", 11, "2 projects in the vote but 1 values"),
    (minimal("cumulative", "1,2", "3,-1"), "VOTES", 11, "negative points"),
    (minimal("cumulative", "1,2", "3,lots"), "VOTES", 11, "is not a number"),
    (minimal("cumulative", "1,2"), "VOTES", 11, "needs a 'points' column"),
    (minimal("preferential"), "META", 4, "unknown vote_type"),
    (minimal().replace("budget;100", "budget;a lot"), "META", 3, "budget 'a lot' is not a number"),
    (minimal().replace("budget;100\n", ""), "META", None, "'budget' is missing"),
    (minimal().replace("1;60;One", "1;sixty;One"), "PROJECTS", 7, "cost 'sixty'"),
    (minimal().replace("1;60;One", "1;-60;One"), "PROJECTS", 7, "negative cost"),
    (
        minimal().replace("1;60;One", "1;60"),
        "PROJECTS",
        7,
        "2 fields, but the header on line 6 has 3",
    ),
    (minimal().replace("1;60;One", "2;60;One"), "PROJECTS", 8, "project '2' appears twice"),
    (minimal().replace("project_id;cost;name", "id;cost;name"), "PROJECTS", 6, "'project_id'"),
    (minimal().replace("a;1,2", "a;1,2;extra"), "VOTES", 11, "3 fields"),
    (minimal() + "a;2\n", "VOTES", 12, "voter_id 'a' already used on line 11"),
    (minimal().replace("VOTES\n", "VOTES\nVOTES\n"), "VOTES", 10, "second VOTES section"),
    (minimal().replace("META\n", "", 1), None, 1, "must start with a META section"),
    ("META\nkey;value\nbudget;1\nvote_type;approval\nVOTES\n", "VOTES", 5, "PROJECTS section"),
    (minimal().replace("key;value", "key;value;more"), "META", 2, "key;value"),
    (
        minimal().replace('"Two; with a semicolon"', '"Two'),
        "PROJECTS",
        8,
        "unbalanced double quote",
    ),
]


@pytest.mark.parametrize(("text", "section", "line", "words"), MALFORMED)
def test_malformed_file_gives_one_line_error(text, section, line, words, tmp_path):
    path = tmp_path / "bad.pb"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PabulibError) as caught:
        tally_file(path, "mes")
    message = str(caught.value)
    assert "\n" not in message
    assert words in message
    if section:
        assert message.startswith(f"{section} section")
        assert caught.value.section == section
    if line is not None:
        assert f"line {line}:" in message
        assert caught.value.line == line


def test_unreadable_file(tmp_path):
    with pytest.raises(PabulibError, match="cannot read"):
        read_pabulib(tmp_path / "missing.pb")
    bad = tmp_path / "latin1.pb"
    bad.write_bytes(minimal().replace("One", "Ønsket").encode("latin-1"))
    with pytest.raises(PabulibError, match="line 7: the file is not valid UTF-8"):
        read_pabulib(bad)


def test_unknown_rule_is_refused(tmp_path):
    path = tmp_path / "ok.pb"
    path.write_text(minimal(), encoding="utf-8")
    assert tally_file(path, "greedy") == ["1", "2"]
    with pytest.raises(ValueError, match="unknown rule 'borda'"):
        tally_file(path, "borda")


def test_bom_and_spaces_after_semicolons_are_accepted():
    text = "\ufeff" + minimal().replace("budget;100", "budget; 100").replace(
        "1;60;One", "1; 60; One"
    )
    election = read_pabulib_string(text)
    assert election.budget == 100 and election.project("1").cost == 60


def test_election_build_from_plain_data():
    election = Election.build({"a": "12.5", "b": 10}, "22.5", [["a"], ["a", "b"], []])
    assert election.project("a").cost == Fraction(25, 2)
    assert [sorted(b.approved()) for b in election.ballots] == [["a"], ["a", "b"], []]
    points = Election.build([("a", 1), ("b", 2)], 3, [{"a": 2, "b": 0}], "cumulative")
    assert points.ballots[0].approved() == {"a"}
    ranked = Election.build({"a": 1, "b": 2}, 3, [("b", "a")], "ordinal")
    assert ranked.ballots[0].ranking == ("b", "a")
