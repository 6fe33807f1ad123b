"""Hypothesis fuzzes every route: values for every URL parameter and the query, and for POST
routes form data with a valid CSRF token under the names every form uses, plus strangers. No
answer may be a server error (the test app raises instead of answering 500)."""

import string

import flask_wtf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import AnyConverter, IntegerConverter
from wtforms.fields.core import UnboundField

from pb.ids import MAX_ID
from tests.conftest import csrf_token
from tests.factories import log_in

EXAMPLES_PER_ROUTE = 6
SKIPPED = {
    "static",  # files on disk, no code of ours
    "notifications.sms_inbound",  # signed, fuzzed in test_sms_answers
    "accounts.logout",  # these would end the fuzzing session
    "accounts.log_out_everywhere",
    "accounts.log_out_device",
}


def form_field_names() -> list[str]:
    def every(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from every(sub)

    names = set()
    for form in every(flask_wtf.FlaskForm):
        names.update(n for n in dir(form) if isinstance(getattr(form, n, None), UnboundField))
    return sorted(names - {"csrf_token"})


# Values that broke forms before, or could: numbers that aren't, dates that don't exist,
# a NUL, a very long text, the shapes of the app's own choice values.
AWKWARD = ["", "0", "-1", "1e309", "NaN", "²", "١٢٣", "9" * 30, "2026-02-30", "99999-01-01"]
AWKWARD += ["1 000,50", "<b>x</b>", "\x00", "a" * 5000, "h1", "u1", "true", "on"]
TEXT = st.one_of(st.text(max_size=40), st.sampled_from(AWKWARD))
QUERY_NAMES = ["page", "n", "before", "start", "end", "month", "language", "next", "part"]
IDS = st.one_of(st.integers(1, 6), st.integers(1, MAX_ID))


def url_value(converter):
    if isinstance(converter, IntegerConverter):
        return IDS
    if isinstance(converter, AnyConverter):
        return st.sampled_from(sorted(converter.items))
    if "{6}" in getattr(converter, "regex", ""):
        return st.text(string.ascii_uppercase + string.digits, min_size=6, max_size=6)
    return st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=20)


def test_no_route_answers_a_server_error(app, client, world):
    fields = form_field_names()
    assert len(fields) > 40
    log_in(client, world.lead)
    token = csrf_token(client, "/")
    adapter = app.url_map.bind("localhost")
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in SKIPPED]
    tried = {"requests": 0}

    def fuzzer(rule):
        method = "POST" if "POST" in rule.methods else "GET"

        @settings(
            max_examples=EXAMPLES_PER_ROUTE,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(data=st.data())
        def fuzz(data):
            values = {name: data.draw(url_value(rule._converters[name])) for name in rule.arguments}
            url = adapter.build(rule.endpoint, values, method=method)
            query = data.draw(st.dictionaries(st.sampled_from(QUERY_NAMES), TEXT, max_size=3))
            if method == "GET":
                response = client.get(url, query_string=query)
            else:
                names = st.sampled_from(fields) | st.text(max_size=8)
                form = data.draw(st.dictionaries(names, TEXT, max_size=8))
                headers = {"HX-Request": "true"} if data.draw(st.booleans()) else {}
                response = client.post(
                    url, data={**form, "csrf_token": token}, query_string=query, headers=headers
                )
            tried["requests"] += 1
            assert response.status_code < 500, (rule.rule, values, response.status_code)
            # Still logged in: a fuzzed request must not have ended the session.
            assert client.get("/account").status_code == 200

        return fuzz

    for rule in rules:
        fuzzer(rule)()
    print(f"{len(rules)} routes, {tried['requests']} fuzzed requests, no server error")
