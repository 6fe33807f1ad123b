"""Groups, households, invites and roles, and above all: who may see what."""

import pytest
from sqlalchemy import select

from pb.extensions import db
from pb.groups import services as groups
from pb.groups.models import Group, Household, Membership
from tests.conftest import post_form
from tests.factories import add_to_group, make_user


def group_pages(group_id: int, invite_id: int = 1, household_id: int = 1, membership_id: int = 1):
    return [
        f"/groups/{group_id}",
        f"/groups/{group_id}/members",
        f"/groups/{group_id}/invites",
        f"/groups/{group_id}/invites/{invite_id}",
        f"/groups/{group_id}/invites/{invite_id}/qr.svg",
        f"/groups/{group_id}/households",
        f"/groups/{group_id}/households/new",
        f"/groups/{group_id}/households/{household_id}",
        f"/groups/{group_id}/audit",
    ]


def test_member_of_group_a_gets_404_on_every_page_of_group_b(client, login, world):
    invite_b = groups.create_invite(world.group_b, actor=world.staff_b)
    household_b = groups.save_household(
        world.group_b, actor=world.staff_b, label="B1", birth_years=[2015], member_ids=[]
    )
    login(world.member_a)
    for path in group_pages(world.group_b.id, invite_b.id, household_b.id):
        assert client.get(path).status_code == 404, path
    membership_b = groups.membership_of(world.member_b, world.group_b)
    for path in [
        f"/groups/{world.group_b.id}/members/{membership_b.id}/role",
        f"/groups/{world.group_b.id}/members/{membership_b.id}/reset-code",
        f"/groups/{world.group_b.id}/invites/{invite_b.id}/revoke",
    ]:
        assert post_form(client, path, {"role": "peer"}, token_from="/").status_code == 404, path


def test_staff_of_group_a_gets_404_on_group_b_and_its_objects(client, login, world):
    invite_b = groups.create_invite(world.group_b, actor=world.staff_b)
    login(world.staff_a)
    assert client.get(f"/groups/{world.group_b.id}").status_code == 404
    # Group A's URL with group B's invite id: still not found.
    assert client.get(f"/groups/{world.group_a.id}/invites/{invite_b.id}").status_code == 404


def test_missing_group_is_404_not_500(client, login, world):
    login(world.member_a)
    assert client.get("/groups/999999").status_code == 404
    assert client.get("/programmes/999999").status_code == 404


def test_anonymous_visitor_is_sent_to_log_in(client, world):
    response = client.get(f"/groups/{world.group_a.id}")
    assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize(
    ("who", "can_see"),
    [
        ("member_a", {"group"}),
        ("peer_a", {"group", "invites", "audit"}),
        ("staff_a", {"group", "invites", "audit", "households"}),
        ("lead", {"group", "invites", "audit", "households"}),
    ],
)
def test_pages_by_role(client, login, world, who, can_see):
    login(getattr(world, who))
    base = f"/groups/{world.group_a.id}"
    pages = {
        "group": base,
        "invites": f"{base}/invites",
        "audit": f"{base}/audit",
        "households": f"{base}/households",
    }
    for name, path in pages.items():
        expected = 200 if name in can_see else 404
        assert client.get(path).status_code == expected, (who, path)


def test_member_list_shows_names_but_no_contact_details(client, login, world):
    world.peer_a.email = "peer@example.org"
    world.peer_a.phone = "+47 999 99 999"
    db.session.commit()
    login(world.member_a)
    page = client.get(f"/groups/{world.group_a.id}/members").get_data(as_text=True)
    assert "Peer_A" in page and "Staff_A" in page
    assert "peer@example.org" not in page and "999 99 999" not in page


def test_user_text_is_escaped(client, login, world):
    world.member_a.display_name = "<script>alert(1)</script>"
    db.session.commit()
    login(world.peer_a)
    page = client.get(f"/groups/{world.group_a.id}/members").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_peer_invites_members_but_not_staff(client, login, world):
    login(world.peer_a)
    url = f"/groups/{world.group_a.id}/invites"
    before = {i.id for i in groups.active_invites(world.group_a)}
    assert post_form(client, url, {"role": "member", "household_id": "0"}).status_code == 303
    assert post_form(client, url, {"role": "staff", "household_id": "0"}).status_code == 200
    new_roles = [i.role for i in groups.active_invites(world.group_a) if i.id not in before]
    assert new_roles == ["member"]


def test_invite_page_shows_a_qr_code(client, login, world):
    login(world.staff_a)
    response = post_form(
        client, f"/groups/{world.group_a.id}/invites", {"role": "member", "household_id": "0"}
    )
    page = client.get(response.location)
    assert page.status_code == 200
    qr = client.get(response.location + "/qr.svg")
    assert qr.mimetype == "image/svg+xml" and b"<svg" in qr.data


def test_invite_into_a_household_places_the_new_member_there(client, login, world):
    household = groups.save_household(
        world.group_a,
        actor=world.staff_a,
        label="Familie 1",
        birth_years=[2014, 2018],
        member_ids=[],
    )
    invite = groups.create_invite(world.group_a, actor=world.staff_a, household=household)
    data = {"display_name": "Parent", "username": "parent", "password": "blue bikes in winter"}
    assert post_form(client, f"/join/{invite.code}", data).status_code == 303
    membership = db.session.scalar(
        select(Membership).join(Membership.user).where(Membership.household_id == household.id)
    )
    assert membership.user.username == "parent"


def test_staff_manage_households_with_birth_years_only(client, login, world):
    login(world.staff_a)
    member = groups.membership_of(world.member_a, world.group_a)
    url = f"/groups/{world.group_a.id}/households/new"
    response = post_form(
        client,
        url,
        {"label": "Familie Sol", "birth_years": "2012, 2016 2020", "member_ids": [str(member.id)]},
    )
    assert response.status_code == 303
    household = db.session.scalar(select(Household))
    assert [c.birth_year for c in household.children] == [2012, 2016, 2020]
    db.session.refresh(member)
    assert member.household_id == household.id
    edit = f"/groups/{world.group_a.id}/households/{household.id}"
    assert (
        post_form(client, edit, {"label": "Familie Sol", "birth_years": "2012"}).status_code == 303
    )
    db.session.refresh(household)
    db.session.refresh(member)
    assert len(household.children) == 1 and member.household_id is None


@pytest.mark.parametrize("years", ["1850", "twenty", "2012 3000", " ".join(["2015"] * 21)])
def test_bad_birth_years_are_refused(client, login, world, years):
    login(world.staff_a)
    response = post_form(
        client,
        f"/groups/{world.group_a.id}/households/new",
        {"label": "X", "birth_years": years},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Household)) is None


def test_household_cannot_take_a_member_of_another_group(client, login, world):
    login(world.staff_a)
    foreign = groups.membership_of(world.member_b, world.group_b)
    response = post_form(
        client,
        f"/groups/{world.group_a.id}/households/new",
        {"label": "X", "birth_years": "", "member_ids": [str(foreign.id)]},
    )
    assert response.status_code == 404
    assert db.session.scalar(select(Household)) is None


def test_only_the_programme_lead_promotes_to_peer_consultant(client, login, world):
    member = groups.membership_of(world.member_a, world.group_a)
    url = f"/groups/{world.group_a.id}/members/{member.id}/role"
    login(world.staff_a)
    assert post_form(client, url, {"role": "peer"}, token_from="/").status_code == 404
    lead_client = client.application.test_client()
    from tests.factories import log_in

    log_in(lead_client, world.lead)
    assert post_form(lead_client, url, {"role": "peer"}, token_from="/").status_code == 303
    db.session.refresh(member)
    assert member.role == "peer"
    from pb.audit.models import AuditEvent

    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "membership.role_changed")
    ).one()
    assert event.actor_id == world.lead.id and event.details == {
        "old_role": "member",
        "new_role": "peer",
    }


def test_programme_lead_creates_a_group(client, login, world):
    login(world.lead)
    url = f"/programmes/{world.programme.id}"
    response = post_form(client, url, {"name": "Ny gruppe", "description": "For testing"})
    assert response.status_code == 303
    assert db.session.scalar(select(Group).where(Group.name == "Ny gruppe")) is not None
    staff_client = client.application.test_client()
    from tests.factories import log_in

    log_in(staff_client, world.staff_a)
    assert staff_client.get(url).status_code == 200  # programme staff may look
    assert post_form(staff_client, url, {"name": "Not allowed"}).status_code == 404
    assert client.application.test_client().get(url).status_code == 302


def test_one_person_can_hold_different_roles_in_different_groups(world):
    add_to_group(world.member_a, world.group_b, "peer")
    assert groups.membership_of(world.member_a, world.group_a).role == "member"
    assert groups.membership_of(world.member_a, world.group_b).role == "peer"


def test_membership_is_unique_per_group(world):
    invite = groups.create_invite(world.group_a, actor=world.staff_a)
    with pytest.raises(groups.GroupError):
        groups.add_member_by_invite(invite, world.member_a)
    db.session.rollback()


def test_second_person_cannot_take_the_last_place_on_an_invite(world):
    invite = groups.create_invite(world.group_a, actor=world.staff_a, max_uses=1)
    first, second = make_user("first"), make_user("second")
    groups.add_member_by_invite(invite, first)
    db.session.commit()
    with pytest.raises(groups.GroupError):
        groups.add_member_by_invite(invite, second)
    db.session.rollback()


def test_households_page_lists_members(client, login, world):
    member = groups.membership_of(world.member_a, world.group_a)
    groups.save_household(
        world.group_a,
        actor=world.staff_a,
        label="Familie Nord",
        birth_years=[2015],
        member_ids=[member.id],
    )
    login(world.staff_a)
    page = client.get(f"/groups/{world.group_a.id}/households")
    assert page.status_code == 200
    assert "Familie Nord" in page.get_data(as_text=True)
    assert "Member_A" in page.get_data(as_text=True)


def test_a_peer_cannot_invite_into_a_household(client, login, world):
    household = groups.save_household(
        world.group_a, actor=world.staff_a, label="Familie Sør", birth_years=[], member_ids=[]
    )
    login(world.peer_a)
    url = f"/groups/{world.group_a.id}/invites"
    assert "Familie Sør" not in client.get(url).get_data(as_text=True)
    before = len(groups.active_invites(world.group_a))
    response = post_form(client, url, {"role": "member", "household_id": str(household.id)})
    assert response.status_code == 200
    assert len(groups.active_invites(world.group_a)) == before


def test_a_peer_cannot_issue_a_reset_code_for_staff_of_another_group(client, login, world):
    add_to_group(world.staff_b, world.group_a, "member")
    membership = groups.membership_of(world.staff_b, world.group_a)
    login(world.peer_a)
    url = f"/groups/{world.group_a.id}/members/{membership.id}/reset-code"
    assert post_form(client, url, {}, token_from="/").status_code == 404


def test_the_group_log_hides_payout_events_from_peers(client, login, world):
    from pb.audit.services import record

    record("payout.complaint_filed", actor=world.member_a, group=world.group_a)
    db.session.commit()
    login(world.peer_a)
    assert "payout.complaint_filed" not in client.get(f"/groups/{world.group_a.id}/audit").get_data(
        as_text=True
    )
    staff = client.application.test_client()
    from tests.factories import log_in

    log_in(staff, world.staff_a)
    assert "payout.complaint_filed" in staff.get(f"/groups/{world.group_a.id}/audit").get_data(
        as_text=True
    )
