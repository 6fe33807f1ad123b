"""The demo holds a round in its voting phase in "Veien til førerkortet", with proposals on the
ballot, translations, comments and support, and its pages render."""

from sqlalchemy import select

from pb.extensions import db
from pb.groups.models import Group
from pb.proposals import services
from pb.proposals.models import BudgetRound, Comment, Support
from tests.factories import log_in


def test_the_demo_round_is_voting_with_eight_proposals(app, client):
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    driving = db.session.scalar(select(Group).where(Group.name == "Veien til førerkortet"))
    voting = [
        r
        for r in db.session.scalars(select(BudgetRound).where(BudgetRound.group_id == driving.id))
        if services.current_phase(r) == "voting"
    ]
    assert len(voting) == 1
    budget_round = voting[0]
    assert (budget_round.ballot_format, budget_round.counting_rule) == ("knapsack", "mes")
    assert budget_round.amount_ore == 600_000_00
    # The budget bites: the proposals together cost more than the round has.
    assert sum(p.ballot_cost_ore for p in services.ballot_proposals(budget_round)) > 600_000_00
    ballot = services.ballot_proposals(budget_round)
    assert len(ballot) == 8
    assert all(
        p.confirmed_cost_ore and p.confirmed_cost_ore <= p.estimated_cost_ore for p in ballot
    )
    assert any(p.translation_for("ar") for p in ballot) and any(
        p.translation_for("so") for p in ballot
    )
    assert db.session.scalar(select(Comment.id).where(Comment.parent_id.is_not(None)))
    assert db.session.scalar(select(Support.id))
    assert services.open_round_for(driving).id == budget_round.id

    from pb.accounts.models import User

    emma = db.session.scalar(select(User).where(User.username == "emma"))
    emma.password_hash = __import__("pb.accounts.passwords", fromlist=["x"]).hash_password(
        "correct horse battery"
    )
    db.session.commit()
    log_in(client, emma)
    round_page = client.get(f"/groups/{driving.id}/rounds/{budget_round.id}")
    assert round_page.status_code == 200
    assert "Kjøretimer for alle som vil" in round_page.get_data(as_text=True)
    proposal = ballot[0]
    page = client.get(f"/groups/{driving.id}/rounds/{budget_round.id}/proposals/{proposal.id}")
    assert page.status_code == 200 and "Blir det 15 timer" in page.get_data(as_text=True)
