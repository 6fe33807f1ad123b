"""Complaints (klage): within three weeks, by the recipient (or the group for a collective
payout), handled by staff who took no part, with the outcome and its reason shown."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pb.extensions import db
from pb.payouts import services
from pb.payouts.models import PayoutComplaint
from pb.timeutil import utcnow
from tests.conftest import post_form
from tests.factories import add_to_group, log_in, make_user
from tests.integration.test_payouts_pipeline import EN, add_staff, conditional, family, fund
from tests.integration.voting_helpers import a_winning_proposal

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def rejected(world):
    fund(world.group_a, world.lead)
    world.staff_a2 = add_staff("staff_a2", world.group_a)
    world.staff_a3 = add_staff("staff_a3", world.group_a)
    world.household = family(world.group_a, world.staff_a, world.member_a)
    request = conditional(world.group_a, world.staff_a, world.household, 12_000)
    services.decide(request, actor=world.staff_a2, approve=False, reason="Ikke nå")
    world.request = request
    return world


def test_the_recipient_complains_and_an_uninvolved_staff_member_decides(client, rejected):
    w = rejected
    url = f"/groups/{w.group_a.id}/payouts/{w.request.id}"
    log_in(client, w.member_a)
    response = post_form(client, f"{url}/complaints", {"text": "Vi trenger pengene"})
    assert response.status_code == 303
    complaint = db.session.scalar(select(PayoutComplaint))
    assert complaint.handler_id == w.staff_a3.id  # not the requester, not the decider
    with pytest.raises(services.PayoutError, match="involved"):
        services.decide_complaint(complaint, actor=w.staff_a2, upheld=True, reason="Enig")
    handler = client.application.test_client()
    log_in(handler, w.staff_a3)
    page = handler.get(url, headers=EN).get_data(as_text=True)
    assert "Save the outcome" in page
    response = post_form(
        handler,
        f"/groups/{w.group_a.id}/complaints/{complaint.id}/decide",
        {"complaint-outcome": "upheld", "complaint-reason": "Behovet er godt begrunnet"},
        token_from=url,
    )
    assert response.status_code == 303
    db.session.expire_all()
    complaint = db.session.get(PayoutComplaint, complaint.id)
    assert complaint.state == "upheld" and complaint.request.state == "requested"
    assert complaint.request.decision_round == 2
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert "Behovet er godt begrunnet" in page
    # In the new round the earlier decider may decide again.
    services.decide(complaint.request, actor=w.staff_a2, approve=True, reason="Ny vurdering")
    assert complaint.request.state == "approved"


def test_a_complaint_after_three_weeks_is_refused(rejected):
    w = rejected
    late = utcnow() + timedelta(days=22)
    with pytest.raises(services.PayoutError, match="too_late"):
        services.file_complaint(w.request, actor=w.member_a, text="Sent", now=late)
    assert db.session.scalar(select(func.count()).select_from(PayoutComplaint)) == 0


def test_someone_else_gets_404(client, rejected):
    w = rejected
    url = f"/groups/{w.group_a.id}/payouts/{w.request.id}"
    other = make_user("neighbour")
    add_to_group(other, w.group_a)
    log_in(client, other)
    assert (
        post_form(client, f"{url}/complaints", {"text": "Urettferdig"}, token_from="/").status_code
        == 404
    )
    outsider = client.application.test_client()
    log_in(outsider, w.member_b)
    assert (
        post_form(outsider, f"{url}/complaints", {"text": "x"}, token_from="/").status_code == 404
    )
    assert db.session.scalar(select(func.count()).select_from(PayoutComplaint)) == 0


def test_the_group_may_complain_about_a_collective_payout(rejected):
    w = rejected
    request = services.create_collective_request(
        w.group_a,
        proposal_id=a_winning_proposal(w),
        title="Båt",
        amount_ore=500_000,
        actor=w.staff_a,
    )
    db.session.commit()
    services.decide(request, actor=w.staff_a, approve=False, reason="For dyrt")
    complaint = services.file_complaint(request, actor=w.peer_a, text="Vi stemte for den")
    assert complaint.handler_id in {w.staff_a2.id, w.staff_a3.id}


def test_the_lead_sees_open_complaints_and_their_age(client, rejected):
    w = rejected
    services.file_complaint(w.request, actor=w.member_a, text="Vi er uenige")
    log_in(client, w.lead)
    page = client.get(f"/programmes/{w.programme.id}/pots", headers=EN).get_data(as_text=True)
    assert "Open complaints" in page and 'data-age-days="0"' in page
    assert w.request.title in page
