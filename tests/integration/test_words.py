"""The words users meet (issue 18): values isolated from the sentence around them in every
message, the "About the translations" page, and members' reports of a wrong word."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import force_locale
from sqlalchemy import func, select

from pb.glossary.models import WordReport
from pb.i18n import FSI, PDI, gettext, ngettext
from tests.conftest import make_test_app, post_form
from tests.factories import log_in

CATALOG = Path(__file__).resolve().parents[2] / "translations/ar/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")
# A Latin name that ends in punctuation: inside an Arabic sentence, unisolated, it reads ".Anna K".
LATIN = "Anna K."


def messages_with_placeholders():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if message.id and PLACEHOLDER.search(ids[0] + (ids[-1] if len(ids) > 1 else "")):
            yield message


def values_for(text: str) -> dict:
    return {
        name: (3 if kind == "d" else LATIN)
        for name, kind in PLACEHOLDER.findall(text)
        if name != "num"
    }


def test_every_message_with_a_placeholder_isolates_its_values_in_arabic(app):
    checked = 0
    with app.test_request_context(), force_locale("ar"):
        for message in messages_with_placeholders():
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            values = values_for(" ".join(ids))
            if not any(v == LATIN for v in values.values()):
                continue  # numbers only: digits keep their order in any direction
            if isinstance(message.id, tuple):
                text = ngettext(ids[0], ids[1], 2, **values)
                html = render_template_string(
                    "{{ ngettext(one, many, 2, **values) }}", one=ids[0], many=ids[1], values=values
                )
            else:
                text = gettext(ids[0], **values)
                html = render_template_string(
                    "{{ _(msgid, **values) }}", msgid=ids[0], values=values
                )
            # The Arabic sentence, not the English: the catalog's translation was used.
            assert re.search(r"[\u0600-\u06ff]", text), ids[0]
            assert f"{FSI}{LATIN}{PDI}" in text, (ids[0], text)
            assert f"<bdi>{LATIN}</bdi>" in html, (ids[0], html)
            assert LATIN not in text.replace(f"{FSI}{LATIN}{PDI}", ""), ids[0]
            checked += 1
    assert checked > 80


def test_the_about_page_marks_so_and_ti_as_awaiting_a_native_reader(client):
    page = client.get("/translations", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert set(re.findall(r'data-awaiting="(\w+)"', page)) == {"so", "ti"}
    assert page.count("data-term=") == 30
    assert "Log in to report a wrong word" in page
    arabic = client.get("/translations", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert "مرشد" in arabic or "الأقران" in arabic  # the reader's own words for the terms
    # The language menu links to it on every page.
    assert 'href="/translations"' in client.get("/login").get_data(as_text=True)


def test_a_member_reports_a_wrong_word_and_the_lead_reads_it(client, world):
    log_in(client, world.member_a)
    response = post_form(
        client,
        "/translations",
        {"language": "nb", "word": "tilbakestillingskode", "better": "kode for nytt passord"},
    )
    assert response.status_code == 303
    report = db_one(WordReport)
    assert (report.reporter_id, report.language, report.better) == (
        world.member_a.id,
        "nb",
        "kode for nytt passord",
    )
    assert client.get("/translations/reports").status_code == 404  # not the lead
    lead = client.application.test_client()
    log_in(lead, world.lead)
    page = lead.get("/translations/reports").get_data(as_text=True)
    assert "tilbakestillingskode" in page and "kode for nytt passord" in page


def test_bad_reports_store_nothing_and_reports_are_rate_limited(database_url, world):
    app = make_test_app(database_url, WORD_REPORT_RATE_LIMIT="2 per hour")
    with app.app_context():
        client = app.test_client()
        anonymous = post_form(
            client, "/translations", {"language": "nb", "word": "a", "better": "b"}
        )
        assert anonymous.status_code == 404
        log_in(client, world.member_a)
        empty = post_form(client, "/translations", {"language": "nb", "word": "", "better": "x"})
        assert empty.status_code == 400
        statuses = [
            post_form(
                client, "/translations", {"language": "ar", "word": f"w{i}", "better": "b"}
            ).status_code
            for i in range(3)
        ]
        assert statuses[:1] == [303] and statuses[-1] == 429
        from pb.extensions import db

        assert db.session.scalar(select(func.count()).select_from(WordReport)) <= 2


def db_one(model):
    from pb.extensions import db

    return db.session.scalars(select(model)).one()


@pytest.mark.parametrize("locale", ["nb", "ar"])
def test_amount_examples_are_written_as_the_language_writes_money(app, locale):
    from pb.forms import amount_examples

    with app.test_request_context(), force_locale(locale):
        examples = amount_examples()
    assert (
        examples
        == {
            "nb": {"whole": f"{FSI}1\xa0600{PDI}", "decimal": f"{FSI}1\xa0600,50{PDI}"},
            "ar": {"whole": f"{FSI}1,600{PDI}", "decimal": f"{FSI}1,600.50{PDI}"},
        }[locale]
    )
