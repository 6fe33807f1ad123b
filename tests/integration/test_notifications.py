"""The bell: a count of unread notifications, a list that marks them read, text in the reader's
language written at reading time."""

from flask_babel import lazy_gettext as _l

from pb.extensions import db
from pb.notifications import services
from tests.factories import log_in

services.register_kind("test.hello", _l("Welcome to %(group)s!"), category="projects")


def test_bell_counts_unread_and_opening_the_list_marks_them_read(client, world):
    services.notify(
        world.member_a,
        "test.hello",
        link=f"/groups/{world.group_a.id}",
        **{"group": "<b>Group A</b>"},
    )
    db.session.commit()
    log_in(client, world.member_a)
    home = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'class="bell-count" aria-hidden="true">1<' in home
    inbox = client.get("/notifications", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Welcome to <bdi>&lt;b&gt;Group A&lt;/b&gt;</bdi>!" in inbox
    assert 'class="bell-count"' not in client.get("/").get_data(as_text=True)
    assert services.unread_count(world.member_a) == 0


def test_notifications_are_private(client, world):
    services.notify(world.member_a, "test.hello", group="A")
    db.session.commit()
    log_in(client, world.member_b)
    assert "Welcome" not in client.get("/notifications").get_data(as_text=True)


def test_unknown_kind_is_a_programming_error(world):
    import pytest

    with pytest.raises(KeyError):
        services.notify(world.member_a, "no.such.kind")
