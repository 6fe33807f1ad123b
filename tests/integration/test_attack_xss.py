"""A corpus of markup, script, template and direction payloads goes into what people write: a
proposal's title and text, comments, a display name, a shared thing's name and description.
The pages, the htmx partial, the email and the SMS that show them must contain no live markup:
no script of ours other than the app's own files, no event handler, no javascript: link, no
element the payload made, no evaluated template, and a name with a right-to-left override kept
inside its own isolated element."""

from html.parser import HTMLParser

from sqlalchemy import func, update

from pb.accounts.models import User
from pb.extensions import db
from pb.proposals import services as proposals
from tests.factories import log_in
from tests.lending_helpers import book, make_item
from tests.notification_helpers import (
    body_of,
    give_contact,
    keeper_with_email,
    mails,
    texts,
    tick,
)
from tests.proposals_factories import make_proposal, make_round, urls

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">klikk</a>',
    "<a href=JaVaScRiPt:alert(1)>x</a>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)' autofocus='",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<style>body{display:none}</style>",
    '<object data="javascript:alert(1)">',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<input autofocus onfocus="alert(1)">',
    '<details open ontoggle="alert(1)">',
    '<math><mtext><table><mglyph><style><img src=x onerror="alert(1)">',
    '<div hx-get="/logout" hx-trigger="load">',
    "<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
    "{{7*7}}",
    "{% raw %}{{ config }}{% endraw %}",
    "${7*7}",
    "%(x)s",
    "%s %d %(title)s",
    "{0.__class__}",
    "Anna\u202ekcilc\u202c",
    "\u202egnp.exe",
    "<!--",
    "]]><script>alert(1)</script>",
]

LIVE_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href"}


class LiveMarkup(HTMLParser):
    """Everything in a page that could run or load something the app did not put there."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.isolated_depth = 0  # inside <bdi> or an element with dir="auto"
        self.stack: list[bool] = []
        self.loose_overrides: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name in LIVE_URL_ATTRIBUTES and (value or "").strip().lower().startswith(
                ("javascript:", "//evil")
            ):
                self.found.append(f"<{tag} {name}={value}>")
            if name.startswith("hx-") and "logout" in (value or ""):
                self.found.append(f"<{tag} {name}={value}>")
        if tag == "script" and not (attributes.get("src") or "").startswith("/static/"):
            self.found.append(f"<script src={attributes.get('src')}>")
        payload_made = tag in ("iframe", "object", "embed", "style", "math") or (
            tag == "meta" and "http-equiv" in attributes
        )
        if payload_made:
            self.found.append(f"<{tag}>")
        if tag == "img" and attributes.get("src") == "x":
            self.found.append("<img src=x>")
        # An <option> is a line of its own in the select's list: an override in it turns only
        # its own words, as it would inside <bdi>.
        isolates = tag in ("bdi", "option") or attributes.get("dir") == "auto"
        if tag not in ("br", "img", "input", "meta", "link", "hr", "source", "use", "rect"):
            self.stack.append(isolates)
            self.isolated_depth += isolates

    def handle_endtag(self, tag):
        if self.stack and tag not in ("br", "img", "input", "meta", "link", "hr"):
            self.isolated_depth -= self.stack.pop()

    def handle_data(self, data):
        if "\u202e" in data and not self.isolated_depth and not _isolated_in_text(data):
            self.loose_overrides.append(data.strip()[:40])


def _isolated_in_text(data: str) -> bool:
    """Every override inside Unicode's own isolates (FSI, LRI or RLI … PDI), as plain-text
    places such as a sentence in an email use them."""
    depth = 0
    for character in data:
        if character in "\u2066\u2067\u2068":
            depth += 1
        elif character == "\u2069":
            depth = max(0, depth - 1)
        elif character == "\u202e" and not depth:
            return False
    return True


def live_markup(html: str) -> tuple[list[str], list[str]]:
    parser = LiveMarkup()
    parser.feed(html)
    return parser.found, parser.loose_overrides


def assert_inert(html: str, where: str) -> None:
    found, loose = live_markup(html)
    assert found == [], f"live markup on {where}: {found}"
    assert loose == [], f"a right-to-left override outside an isolate on {where}: {loose}"
    assert "{{7*7}}" in html and "%(x)s" in html, f"a template was evaluated on {where}"


def test_payloads_stay_text_on_pages_partials_email_and_sms(app, client, world):
    writer = world.member_a
    db.session.execute(
        update(User).where(User.id == writer.id).values(display_name="Anna\u202ekcilc\u202c")
    )
    proposal = make_proposal(
        make_round(world),
        writer,
        title="<script>alert(1)</script> {{7*7}} %(x)s",
        description="\n".join(PAYLOADS),
    )
    for payload in PAYLOADS:
        proposals.add_comment(proposal, author=world.peer_a, body=payload)
    db.session.commit()

    keeper = keeper_with_email(world)
    give_contact(keeper, email_address="keeper@example.org", phone="+4791234567")
    item = make_item(
        world.group_a,
        world.staff_a,
        keeper,
        name='<img src=x onerror=alert(1)> {{7*7}} %(x)s "\u202egnp.exe',
        description="\n".join(PAYLOADS),
    )
    book(item, writer, 3)
    db.session.commit()
    tick(app)  # sends what is due: the keeper's email and SMS about the request

    log_in(client, writer)
    pages = {
        "proposal": urls(proposal)["page"],
        "round": f"/groups/{world.group_a.id}/rounds/{proposal.round_id}",
        "item": f"/groups/{world.group_a.id}/items/{item.id}",
        "items": f"/groups/{world.group_a.id}/items",
        "members": f"/groups/{world.group_a.id}/members",
    }
    for name, path in pages.items():
        for language in ("nb", "ar"):
            response = client.get(path, headers={"Accept-Language": language})
            assert response.status_code == 200, (name, response.status_code)
            html = response.get_data(as_text=True)
            found, loose = live_markup(html)
            assert found == [] and loose == [], (name, language, found, loose)
    proposal_page = client.get(pages["proposal"]).get_data(as_text=True)
    assert_inert(proposal_page, "the proposal page")
    partial = client.get(urls(proposal)["comments"], headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert_inert(partial.get_data(as_text=True), "the comments partial")
    assert proposal_page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2

    keeper_client = client.application.test_client()
    log_in(keeper_client, keeper)
    inbox = keeper_client.get("/notifications").get_data(as_text=True)
    found, loose = live_markup(inbox)
    assert found == [] and loose == [], ("inbox", found, loose)

    sent = mails(app)
    assert sent, "the keeper was told by email"
    for message in sent:
        html = body_of(message, "html")
        found, loose = live_markup(html)
        assert found == [] and loose == [], ("email", found, loose)
        assert "&lt;img src=x" in html or "gnp.exe" in html
    messages = texts(app)
    assert messages, "the keeper was told by SMS"
    for _phone, text in messages:
        # Plain text, as typed: nothing escaped for HTML, nothing evaluated.
        assert "<img src=x" in text and "&lt;" not in text
    print(
        f"{len(PAYLOADS)} payloads in 6 kinds of field; {len(pages) * 2 + 3} pages and partials,"
        f" {len(sent)} emails, {len(messages)} SMS"
    )


def test_payloads_stay_text_in_stories_households_payouts_messages_and_projects(app, client, world):
    from pb.lending import services as lending
    from pb.projects import services as projects
    from tests.integration.test_payouts_pipeline import conditional, family, fund
    from tests.integration.test_projects import log, make_project

    short = '"><svg onload=alert(1)> {{7*7}} %(x)s \u202egnp.exe'
    text = "\n".join(PAYLOADS)
    fund(world.group_a, world.lead)
    household = family(world.group_a, world.staff_a, world.member_a, label=short[:60])
    payout = conditional(world.group_a, world.staff_a, household, 500, title=short)
    item = make_item(world.group_a, world.staff_a, world.peer_a)
    booking = book(item, world.member_a, 3)
    for payload in PAYLOADS:
        lending.send_message(booking, author=world.member_a, text=payload)
    project = make_project(world, title=short, goal=text, result_goals=text, effect_goals=text)
    activity = log(project, world, place=short[:100], note=text[:500])
    story = projects.submit_story(
        world.group_a,
        actor=world.member_a,
        title=short,
        body=text,
        language="nb",
        visibility="group",
        project_id=None,
    )
    db.session.commit()

    group = f"/groups/{world.group_a.id}"
    pages = {
        world.staff_a: [
            f"{group}/households",
            f"{group}/payouts",
            f"{group}/payouts/{payout.id}",
            f"{group}/projects/{project.id}",
            f"{group}/projects/{project.id}/activities/{activity.id}",
            f"{group}/stories/{story.id}",
            f"{group}/items/{item.id}/bookings/{booking.id}",
            f"{group}/audit",
        ],
        world.member_a: [
            f"{group}/items/{item.id}/bookings/{booking.id}",
            f"{group}/payouts/{payout.id}",
            "/notifications",
        ],
    }
    checked = 0
    for person, paths in pages.items():
        reader = app.test_client()
        log_in(reader, person)
        for path in paths:
            for language in ("nb", "ar"):
                response = reader.get(path, headers={"Accept-Language": language})
                assert response.status_code == 200, (path, response.status_code)
                found, loose = live_markup(response.get_data(as_text=True))
                assert found == [] and loose == [], (path, language, found, loose)
                checked += 1
    assert checked == 22


def form_values(payload: str) -> dict[str, str]:
    """A value for every field name of every form: the payload for text, and a valid value for
    numbers, dates and fixed choices, so that the forms take the payload where people write."""
    from datetime import timedelta

    import flask_wtf
    from wtforms.fields.core import UnboundField

    from pb.timeutil import local_today

    soon = (local_today() + timedelta(days=3)).isoformat()
    fixed = {
        "amount": "100",
        "cost": "100",
        "per_child": "100",
        "estimated_cost": "100",
        "confirmed_cost": "100",
        "birth_years": "2015",
        "email": "x@example.org",
        "phone": "",
        "happened_on": (local_today() - timedelta(days=1)).isoformat(),
        "buffer_days": "0",
        "children": "0",
        "max_loan_days": "7",
        "points_total": "10",
        "language": "nb",
        "msgid": "Vote",
        "idempotency_key": "k" * 32,
        "password": "",
    }

    def every(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from every(sub)

    values: dict[str, str] = {}
    for form in every(flask_wtf.FlaskForm):
        for name in dir(form):
            field = getattr(form, name, None)
            if not isinstance(field, UnboundField) or name in values or name == "csrf_token":
                continue
            kind = field.field_class.__name__
            choices = field.kwargs.get("choices")
            if name in fixed:
                values[name] = fixed[name]
            elif kind in ("StringField", "TextAreaField"):
                values[name] = payload
            elif kind == "DateField":
                values[name] = soon
            elif kind in ("IntegerField", "CostField"):
                values[name] = "1"
            elif isinstance(choices, list | tuple) and choices:
                first = choices[0]
                values[name] = str(first[0] if isinstance(first, list | tuple) else first)
    return values


def test_every_form_field_takes_a_payload_and_no_page_makes_it_live(app, world):
    """Every field of every form on every POST route, sent by everyone in the group, then every
    page read by each of them: nothing that anyone wrote is live anywhere."""
    from sqlalchemy import String, Text, or_, select

    from tests.conftest import csrf_token
    from tests.integration.authorization_scene import build_scene, url_for_rule

    payload = '"><svg onload=alert(1)>{{7*7}}%(x)s\u202e'
    scene = build_scene(app, world)
    data = form_values(payload)
    insiders = ("member", "other_household", "peer", "staff", "lead")
    ending = ("/logout", "/account/sessions/end-all", "/account/sessions/<int:session_id>/end")
    posted = 0
    for role in insiders:
        client = scene.clients[role]
        token = csrf_token(client, "/")
        for rule in app.url_map.iter_rules():
            if "POST" not in rule.methods or rule.rule in ending or "delete" in rule.rule:
                continue
            client.post(url_for_rule(app, rule, scene.ids), data={**data, "csrf_token": token})
            posted += 1

    stored = 0
    db.session.expire_all()
    for table in db.metadata.sorted_tables:
        texts = [c for c in table.columns if isinstance(c.type, String | Text)]
        if texts:
            stored += db.session.scalar(
                select(func.count())
                .select_from(table)
                .where(or_(*(c.contains("onload=alert") for c in texts)))
            )
    assert stored >= 20, f"the payload reached only {stored} rows"

    pages = 0
    problems = {}
    for role in insiders:
        client = scene.clients[role]
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in ("static", "speech.audio"):
                continue
            for language in ("nb", "ar"):
                response = client.get(
                    url_for_rule(app, rule, scene.ids), headers={"Accept-Language": language}
                )
                if response.mimetype != "text/html":
                    continue
                html = response.get_data(as_text=True)
                found, loose = live_markup(html)
                if found or loose:
                    problems[rule.rule] = (role, found, _contexts(html))
                pages += 1
    assert problems == {}
    for message in mails(app):
        found, loose = live_markup(body_of(message, "html"))
        assert found == [] and loose == [], ("email", message["Subject"], found, loose)
    print(f"{posted} posts of every form field, {stored} rows took the payload, {pages} pages read")


def _contexts(html: str) -> list[str]:
    """Where an override stands loose: the markup just before it, to find the template."""
    return [html[max(0, i - 120) : i] for i, c in enumerate(html) if c == "\u202e"][:12]
