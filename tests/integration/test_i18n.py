"""Language choice: user setting, ?lang=, the switcher, Accept-Language, then Norwegian."""

import re

import pytest

from tests.conftest import post_form


def html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group(0)


def test_norwegian_is_the_default(client):
    page = client.get("/").get_data(as_text=True)
    assert 'lang="nb"' in html_tag(page) and 'dir="ltr"' in html_tag(page)
    assert "Logg inn" in page


def test_accept_language_is_followed(client):
    page = client.get("/", headers={"Accept-Language": "uk,en;q=0.5"}).get_data(as_text=True)
    assert 'lang="uk"' in html_tag(page)


def test_query_parameter_beats_accept_language(client):
    page = client.get("/?lang=ar", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="ar"' in html_tag(page) and 'dir="rtl"' in html_tag(page)


def test_unknown_lang_parameter_gives_a_message_not_an_error(client):
    response = client.get("/?lang=klingon", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "is not available" in page and 'lang="en"' in html_tag(page)
    weird = client.get("/?lang=%3Cscript%3E")
    assert weird.status_code == 200 and "<script>" not in weird.get_data(as_text=True)


def test_the_switcher_remembers_the_choice(client):
    response = post_form(client, "/language", {"locale": "so", "next": "/login"}, token_from="/")
    assert response.status_code == 303 and response.location.endswith("/login")
    assert 'lang="so"' in html_tag(client.get("/").get_data(as_text=True))


def test_the_switcher_refuses_open_redirects_and_bad_locales(client):
    response = post_form(
        client, "/language", {"locale": "so", "next": "https://evil.example/"}, token_from="/"
    )
    assert response.location.endswith("/")
    post_form(client, "/language", {"locale": "xx"}, token_from="/")
    assert 'lang="so"' in html_tag(client.get("/").get_data(as_text=True))


def test_the_user_setting_comes_first(client, login, world):
    from pb.extensions import db

    world.member_a.locale = "ti"
    db.session.commit()
    login(world.member_a)
    page = client.get("/?lang=en", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="ti"' in html_tag(page)


def test_logged_in_switch_saves_the_setting(client, login, world):
    login(world.member_a)
    post_form(client, "/language", {"locale": "ar"}, token_from="/")
    from pb.extensions import db

    db.session.refresh(world.member_a)
    assert world.member_a.locale == "ar"


@pytest.mark.parametrize("code", ["nb", "en", "ar", "so", "ti", "uk"])
def test_every_page_shows_the_switcher_with_names_in_their_own_language(client, code):
    page = client.get(f"/login?lang={code}").get_data(as_text=True)
    for name in ["Norsk bokmål", "English", "العربية", "Soomaali", "ትግርኛ", "Українська"]:
        assert name in page


def test_a_backslash_next_does_not_leave_the_site(client):
    response = post_form(
        client, "/language", {"locale": "en", "next": "/\\evil.example"}, token_from="/"
    )
    assert response.location.endswith("/") and "evil" not in response.location


def test_translations_kept_for_a_request_follow_a_forced_language(app, client):
    """The request keeps its translations and language code (pb/i18n.py); an email or a
    message rendered in another language inside it, and the next request, get their own."""
    from flask_babel import force_locale

    from pb.i18n import gettext, locale_code, text_direction

    with app.test_request_context("/?lang=ar"):
        arabic = gettext("Log in")
        with force_locale("nb"):
            inside = (gettext("Log in"), locale_code(), text_direction())
        after = (gettext("Log in"), locale_code(), text_direction())
    assert inside == ("Logg inn", "nb", "ltr")
    assert arabic != "Log in" and after == (arabic, "ar", "rtl")

    for code, word in (("ar", arabic), ("nb", "Logg inn"), ("ar", arabic)):
        page = client.get(f"/?lang={code}").get_data(as_text=True)
        assert f'lang="{code}"' in html_tag(page) and word in page
