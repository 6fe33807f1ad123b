"""Joining, logging in, the second factor, password reset and a person's own data."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from pb.accounts.models import User
from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.groups import services as groups
from pb.groups.models import Membership
from pb.timeutil import utcnow
from tests.conftest import csrf_token, post_form
from tests.factories import PASSWORD, make_user, totp_code


def join_data(**overrides):
    return {
        "display_name": "Nora",
        "username": "nora",
        "password": "blue bikes in winter",
        "email": "",
        "phone": "",
        **overrides,
    }


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def user_count() -> int:
    return len(db.session.scalars(select(User.id)).all())


@pytest.fixture
def invite(world):
    return groups.create_invite(world.group_a, actor=world.staff_a)


def test_join_by_invite_creates_account_membership_and_audit(client, invite, world):
    response = post_form(client, f"/join/{invite.code}", join_data())
    assert response.status_code == 303
    assert response.location.endswith(f"/groups/{world.group_a.id}")
    user = db.session.scalar(select(User).where(User.username == "nora"))
    assert user.email is None and user.phone is None
    assert user.password_hash.startswith("$argon2id$")
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert membership.group_id == world.group_a.id and membership.role == "member"
    assert actions()[-3:] == ["account.created", "group.joined", "login.succeeded"]
    # The new member is logged in and sees the group.
    assert "Group A" in client.get(f"/groups/{world.group_a.id}").get_data(as_text=True)


def test_join_by_typed_code_accepts_spaces_and_lower_case(client, invite):
    typed = f"{invite.code[:4].lower()} - {invite.code[4:].lower()}"
    response = post_form(client, "/join", {"code": typed})
    assert response.status_code == 303
    assert response.location.endswith(f"/join/{invite.code}")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"username": "member_a"}, "This username is taken"),
        ({"username": "MEMBER_A"}, "This username is taken"),
        ({"password": "short"}, "Use at least 8 characters"),
        ({"password": "x" * 129}, "Use at most 128 characters"),
        ({"password": "password1"}, "too easy to guess"),
        ({"password": "aaaaaaaaaaaa"}, "too easy to guess"),
        ({"password": "i am nora123!"}, "must not contain your username"),
        ({"display_name": "N" * 61}, "Use at most 60 characters"),
        ({"display_name": ""}, "Please fill in this field"),
        ({"username": "no spaces allowed"}, "Use letters, digits"),
        ({"email": "not-an-email"}, "does not look like an email"),
        ({"phone": "call me"}, "not a phone number we can send SMS to"),
        ({"phone": "+47 123"}, "not a phone number we can send SMS to"),
    ],
)
def test_bad_join_input_is_refused_beside_the_field_and_nothing_is_stored(
    client, invite, overrides, message
):
    before = user_count()
    response = post_form(
        client, f"/join/{invite.code}", join_data(**overrides), headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-invalid="true"' in page
    assert user_count() == before
    db.session.refresh(invite)
    assert invite.use_count == 0


def test_expired_invite_is_refused_with_a_message(client, world):
    invite = groups.create_invite(world.group_a, actor=world.staff_a)
    invite.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    before = user_count()
    response = post_form(
        client,
        f"/join/{invite.code}",
        join_data(),
        token_from="/join",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 404
    assert "wrong or has expired" in response.get_data(as_text=True)
    assert user_count() == before


def test_wrong_invite_code_is_refused_beside_the_field(client, world):
    response = post_form(client, "/join", {"code": "NOPE-NOPE"}, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "wrong or has expired" in page and 'aria-invalid="true"' in page


def test_used_up_and_revoked_invites_are_refused(client, world):
    single = groups.create_invite(world.group_a, actor=world.staff_a, max_uses=1)
    assert post_form(client, f"/join/{single.code}", join_data()).status_code == 303
    other = world.group_a.programme  # noqa: F841 - the second visitor is a fresh client
    second = client.application.test_client()
    response = post_form(
        second, f"/join/{single.code}", join_data(username="second"), token_from="/join"
    )
    assert response.status_code == 404
    revoked = groups.create_invite(world.group_a, actor=world.staff_a)
    groups.revoke_invite(revoked, actor=world.staff_a)
    assert second.get(f"/join/{revoked.code}").status_code == 404


def test_logged_in_user_joins_a_second_group_with_one_tap(client, login, world):
    invite_b = groups.create_invite(world.group_b, actor=world.staff_b)
    login(world.member_a)
    assert client.get(f"/join/{invite_b.code}").status_code == 200
    response = post_form(client, f"/join/{invite_b.code}", {})
    assert response.status_code == 303
    assert client.get(f"/groups/{world.group_b.id}").status_code == 200


def test_username_check_partial_tells_if_taken(client, world):
    page = client.get("/join/check-username?username=member_a", headers={"Accept-Language": "en"})
    assert "taken" in page.get_data(as_text=True)
    page = client.get("/join/check-username?username=free_name", headers={"Accept-Language": "en"})
    assert "free" in page.get_data(as_text=True)


def test_login_and_logout(client, login, world):
    login(world.member_a)
    assert "Group A" in client.get("/").get_data(as_text=True)
    response = post_form(client, "/logout", {}, token_from="/")
    assert response.status_code == 303
    assert client.get(f"/groups/{world.group_a.id}").status_code == 302
    assert actions()[-2:] == ["login.succeeded", "logout"]


def test_wrong_password_is_refused(client, world):
    response = post_form(
        client,
        "/login",
        {"username": "member_a", "password": "wrong password"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "Wrong username or password" in response.get_data(as_text=True)
    assert client.get(f"/groups/{world.group_a.id}").status_code == 302
    assert actions()[-1] == "login.failed"


def test_login_is_rate_limited(database_url):
    from tests.conftest import make_test_app

    app = make_test_app(database_url, LOGIN_RATE_LIMIT="5 per minute")
    with app.app_context():
        make_user("someone")
        client = app.test_client()
        codes = [
            post_form(
                client, "/login", {"username": "someone", "password": "not it at all"}
            ).status_code
            for _ in range(6)
        ]
        assert codes[:5] == [200] * 5
        assert codes[5] == 429
        page = client.get("/login").get_data(as_text=True)
        assert "csrf_token" in page  # GET stays open: only attempts are limited
        db.session.remove()
        db.engine.dispose()


def test_staff_must_enter_a_totp_code(client, world):
    response = post_form(client, "/login", {"username": "staff_a", "password": PASSWORD})
    assert response.status_code == 303 and "/login/code" in response.location
    # Not logged in until the code is right.
    assert client.get(f"/groups/{world.group_a.id}").status_code == 302
    wrong = post_form(client, "/login/code", {"code": "000000"}, headers={"Accept-Language": "en"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.get_data(as_text=True)
    assert client.get(f"/groups/{world.group_a.id}").status_code == 302
    right = post_form(client, "/login/code", {"code": totp_code(world.staff_a)})
    assert right.status_code == 303
    assert client.get(f"/groups/{world.group_a.id}").status_code == 200


def test_a_totp_code_cannot_be_replayed(client, world):
    code = totp_code(world.staff_a)
    post_form(client, "/login", {"username": "staff_a", "password": PASSWORD})
    assert post_form(client, "/login/code", {"code": code}).status_code == 303
    other = client.application.test_client()
    post_form(other, "/login", {"username": "staff_a", "password": PASSWORD})
    assert post_form(other, "/login/code", {"code": code}).status_code == 200


def test_new_staff_must_set_up_two_factor_before_acting(client, login, world):
    invite = groups.create_invite(world.group_a, actor=world.lead, role="staff")
    response = post_form(
        client,
        f"/join/{invite.code}",
        join_data(username="newstaff"),
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 303
    # Every page but the set-up sends them to set it up.
    blocked = client.get(f"/groups/{world.group_a.id}")
    assert blocked.status_code == 302 and blocked.location.endswith("/account/two-factor")
    setup = client.get("/account/two-factor")
    assert setup.status_code == 200 and "<svg" in setup.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.username == "newstaff"))
    db.session.refresh(user)
    wrong = post_form(
        client, "/account/two-factor", {"code": "123456"}, headers={"Accept-Language": "en"}
    )
    assert "That code is not right" in wrong.get_data(as_text=True)
    assert post_form(client, "/account/two-factor", {"code": totp_code(user)}).status_code == 303
    assert client.get(f"/groups/{world.group_a.id}").status_code == 200


def test_member_promoted_to_staff_while_logged_in_is_asked_for_the_second_factor(
    client, login, world
):
    login(world.member_a)
    membership = groups.membership_of(world.member_a, world.group_a)
    groups.change_role(membership, "staff", actor=world.lead)
    response = client.get(f"/groups/{world.group_a.id}")
    assert response.status_code == 302 and response.location.endswith("/account/two-factor")


def test_password_reset_with_a_one_time_code(client, login, world):
    login(world.peer_a)
    membership = groups.membership_of(world.member_a, world.group_a)
    page = post_form(
        client,
        f"/groups/{world.group_a.id}/members/{membership.id}/reset-code",
        {},
        token_from=f"/groups/{world.group_a.id}",
    )
    assert page.status_code == 200
    code = page.get_data(as_text=True).split('<p class="code big">')[1].split("</p>")[0].strip()
    anonymous = client.application.test_client()
    data = {"username": "member_a", "code": code, "password": "a brand new sentence"}
    assert post_form(anonymous, "/reset", data).status_code == 303
    # The code works once.
    again = post_form(
        anonymous,
        "/reset",
        {**data, "password": "another new sentence"},
        headers={"Accept-Language": "en"},
    )
    assert "wrong, used or more than a day old" in again.get_data(as_text=True)
    assert (
        post_form(
            anonymous, "/login", {"username": "member_a", "password": "a brand new sentence"}
        ).status_code
        == 303
    )


def test_expired_reset_code_is_refused(client, world):
    from pb.accounts import services
    from pb.accounts.models import ResetCode

    code = services.issue_reset_code(world.member_a, actor=world.staff_a, group=world.group_a)
    reset = db.session.scalar(select(ResetCode))
    reset.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    data = {"username": "member_a", "code": code, "password": "a brand new sentence"}
    response = post_form(client, "/reset", data, headers={"Accept-Language": "en"})
    assert "more than a day old" in response.get_data(as_text=True)


def test_peer_cannot_reset_a_staff_password(client, login, world):
    login(world.peer_a)
    staff_membership = groups.membership_of(world.staff_a, world.group_a)
    response = post_form(
        client,
        f"/groups/{world.group_a.id}/members/{staff_membership.id}/reset-code",
        {},
        token_from=f"/groups/{world.group_a.id}",
    )
    assert response.status_code == 404


def test_a_member_sees_and_downloads_their_data(client, login, world):
    login(world.member_a)
    assert client.get("/account/data").status_code == 200
    response = client.get("/account/data.json")
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["username"] == "member_a"
    assert data["memberships"][0]["group"] == "Group A"
    assert any(item["action"] == "login.succeeded" for item in data["activity"])


def test_deleting_an_account_pseudonymises_it_and_logs_out(client, login, world):
    login(world.member_a)
    wrong = post_form(
        client, "/account/delete", {"password": "not my password"}, token_from="/account/data"
    )
    assert wrong.status_code == 400
    response = post_form(
        client, "/account/delete", {"password": PASSWORD}, token_from="/account/data"
    )
    assert response.status_code == 303
    user = db.session.get(User, world.member_a.id)
    db.session.refresh(user)
    assert user.username == f"deleted-{user.id}" and user.display_name == ""
    assert user.email is None and user.deleted_at is not None
    assert groups.membership_of(user, world.group_a) is None
    # Logged out, and the old password no longer works.
    assert client.get("/account/data").status_code == 302
    assert (
        post_form(client, "/login", {"username": "member_a", "password": PASSWORD}).status_code
        == 200
    )
    assert actions()[-1] == "account.deleted"


def test_profile_update_and_language_setting(client, login, world):
    login(world.member_a)
    response = post_form(
        client,
        "/account",
        {"display_name": "Mia", "email": "", "phone": "+47 912 34 567", "locale": "uk"},
    )
    assert response.status_code == 303
    db.session.refresh(world.member_a)
    assert world.member_a.display_name == "Mia" and world.member_a.locale == "uk"
    too_long = post_form(client, "/account", {"display_name": "M" * 61, "locale": ""})
    assert too_long.status_code == 200
    db.session.refresh(world.member_a)
    assert world.member_a.display_name == "Mia"


def test_every_post_needs_a_csrf_token(client, login, world):
    assert (
        client.post("/login", data={"username": "member_a", "password": PASSWORD}).status_code
        == 400
    )
    login(world.member_a)
    assert client.post("/logout").status_code == 400
    # An htmx request carries the token in a header instead of a form field.
    token = csrf_token(client, "/")
    staff_client = client.application.test_client()
    from tests.factories import log_in

    log_in(staff_client, world.staff_a)
    url = f"/groups/{world.group_a.id}/invites"
    form = {"role": "member", "household_id": "0", "max_uses": ""}
    assert staff_client.post(url, data=form, headers={"HX-Request": "true"}).status_code == 400
    token = csrf_token(staff_client, url)
    ok = staff_client.post(url, data=form, headers={"HX-Request": "true", "X-CSRFToken": token})
    assert ok.status_code == 200
    assert 'id="invite-list"' in ok.get_data(as_text=True)
    assert "<html" not in ok.get_data(as_text=True)


def test_session_cookie_is_secure_httponly_and_samesite(client, world):
    response = post_form(client, "/login", {"username": "member_a", "password": PASSWORD})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_content_security_policy_forbids_inline_script(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    page = response.get_data(as_text=True)
    assert "<script>" not in page and "onclick=" not in page and " style=" not in page


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    from pb import create_app
    from pb.config import ConfigurationError

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(ConfigurationError):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_an_htmx_request_after_the_session_ends_redirects_the_whole_page(client, world):
    response = client.get(f"/groups/{world.group_a.id}", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=")
    plain = client.get(f"/groups/{world.group_a.id}")
    assert plain.status_code == 302 and "/login?next=" in plain.location


def test_login_rate_limit_can_live_in_redis(database_url):
    """Several app servers share their limits through Redis (RATELIMIT_STORAGE_URI)."""
    import os

    import redis

    from tests.conftest import make_test_app

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.exceptions.ConnectionError as error:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"Redis is not reachable at {url}: {error}")
        pytest.skip(f"Redis is not reachable at {url}; start it to run this test.")
    first = make_test_app(database_url, LOGIN_RATE_LIMIT="3 per minute", RATELIMIT_STORAGE_URI=url)
    second = make_test_app(database_url, LOGIN_RATE_LIMIT="3 per minute", RATELIMIT_STORAGE_URI=url)
    with first.app_context():
        make_user("someone")
        attempt = {"username": "someone", "password": "not it at all"}
        # Two tries on one server and one on the other use up the shared limit.
        codes = [post_form(first.test_client(), "/login", attempt).status_code for _ in range(2)]
        codes.append(post_form(second.test_client(), "/login", attempt).status_code)
        codes.append(post_form(second.test_client(), "/login", attempt).status_code)
        assert codes == [200, 200, 200, 429]
        assert redis.Redis.from_url(url).dbsize() > 0
        db.session.remove()
        db.engine.dispose()
    redis.Redis.from_url(url).flushdb()
