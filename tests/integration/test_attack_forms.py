"""Every POST route in `app.url_map` refuses a request without a CSRF token, and one carrying
another session's token (as a form field or as htmx's header), and changes no row. The one
exemption is the signed SMS webhook, whose forged or replayed signatures are refused instead
(tests/integration/test_sms_answers.py)."""

from sqlalchemy import func, select
from werkzeug.routing import AnyConverter, IntegerConverter

from pb.extensions import db
from tests.conftest import csrf_token
from tests.factories import log_in

EXEMPT = {"notifications.sms_inbound"}


def sample(converter) -> object:
    """A value the rule matches: the refusal comes before the view looks the row up."""
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    length = getattr(converter, "regex", "")
    return "A" * 6 if "{6}" in length else "abc"


def post_routes(app) -> list[tuple[str, str]]:
    adapter = app.url_map.bind("localhost")
    routes = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in EXEMPT:
            continue
        values = {name: sample(rule._converters[name]) for name in rule.arguments}
        routes.append((rule.endpoint, adapter.build(rule.endpoint, values, method="POST")))
    return sorted(routes)


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_every_post_route_refuses_a_missing_or_foreign_token(app, client, world):
    routes = post_routes(app)
    assert len(routes) > 60
    exempt = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and app.view_functions[rule.endpoint] in _exempt_views(app)
    ]
    assert exempt == sorted(EXEMPT)

    log_in(client, world.lead)
    other = app.test_client()
    log_in(other, world.member_b)
    foreign = csrf_token(other, "/")
    before = row_counts()
    refused = {}
    for endpoint, url in routes:
        for label, kwargs in (
            ("none", {"data": {"text": "x"}}),
            ("foreign field", {"data": {"csrf_token": foreign, "text": "x"}}),
            ("foreign header", {"data": {"text": "x"}, "headers": {"X-CSRFToken": foreign}}),
            (
                "foreign htmx",
                {"data": {}, "headers": {"X-CSRFToken": foreign, "HX-Request": "true"}},
            ),
        ):
            response = client.post(url, **kwargs)
            refused[(endpoint, url, label)] = response.status_code
    assert {key: status for key, status in refused.items() if status != 400} == {}
    assert row_counts() == before
    print(f"{len(routes)} POST routes × 4 refusals = {len(refused)} requests, all 400")


def _exempt_views(app) -> set:
    from pb.extensions import csrf

    return {
        view
        for endpoint, view in app.view_functions.items()
        if f"{view.__module__}.{view.__name__}" in csrf._exempt_views
    }
