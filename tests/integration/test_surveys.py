"""Pulse surveys: sending, answering and closing a wave through the pages; the refusals (an
answer off the scale, a second answer, another group's survey); the proof in the schema that
answers are anonymous; the rules that keep small numbers hidden; and the change over time."""

import itertools
import os
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from flask import current_app
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Date, DateTime, Time, func, inspect, select

from pb.accounts.models import User
from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.notifications.models import Notification
from pb.surveys import questions, results, services
from pb.surveys.models import SurveyAnswerCount, SurveyRespondent, SurveyWave
from pb.surveys.questions import ANSWERS
from pb.surveys.results import MIN_ANSWERS, suppress
from pb.surveys.services import SurveyError
from pb.timeutil import local_today
from tests.conftest import make_test_app, plain, post_form
from tests.factories import add_to_group, log_in, make_user

ON_POSTGRES = os.environ.get("TEST_DATABASE", "sqlite") == "postgresql"
KEYS = ["life_good", "trust_services", "belong_group"]


@pytest.fixture(autouse=True)
def english_readers(request):
    """These tests read the pages' English words: everyone in the world reads English."""
    if "world" not in request.fixturenames:
        return
    world = request.getfixturevalue("world")
    for user in (world.lead, world.staff_a, world.peer_a, world.member_a, world.member_b):
        user.locale = "en"
    db.session.commit()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def counters(wave) -> dict[tuple[str, str], int]:
    rows = db.session.execute(
        select(
            SurveyAnswerCount.question_key, SurveyAnswerCount.answer, SurveyAnswerCount.count
        ).where(SurveyAnswerCount.wave_id == wave.id)
    )
    return {(key, answer): n for key, answer, n in rows}


def send(world, keys=KEYS, days: int = 7, title: str = "") -> SurveyWave:
    return services.create_wave(
        world.group_a,
        actor=world.staff_a,
        question_keys=list(keys),
        closes_on=local_today() + timedelta(days=days),
        title=title,
    )


def members(world, n: int, prefix: str = "m") -> list[User]:
    people = []
    for i in range(n):
        person = make_user(f"{prefix}{i}", locale="en")
        add_to_group(person, world.group_a)
        people.append(person)
    return people


def answer_all(wave, people, pattern) -> None:
    """Each person answers every question with pattern(index) (an answer, or a dict)."""
    for index, person in enumerate(people):
        given_answer = pattern(index)
        answers = (
            given_answer
            if isinstance(given_answer, dict)
            else dict.fromkeys(wave.question_keys, given_answer)
        )
        services.answer(wave, user=person, answers=answers)


def wave_path(world, wave, group=None) -> str:
    return f"/groups/{(group or world.group_a).id}/surveys/{wave.id}"


def form_for(wave, answer: str) -> dict:
    return {f"q_{key}": answer for key in wave.question_keys}


# ---------------------------------------------------------------------------------------------
# Through the pages


def test_send_answer_and_close_through_the_pages(world, client, login):
    login(world.staff_a)
    page = client.get(f"/groups/{world.group_a.id}/surveys")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Send a survey" in text and "To what degree do you trust the municipality" in text
    closes_on = local_today() + timedelta(days=10)
    sent = post_form(
        client,
        f"/groups/{world.group_a.id}/surveys/new",
        {"questions": KEYS, "closes_on": closes_on.isoformat(), "title": "Autumn pulse"},
        token_from=f"/groups/{world.group_a.id}/surveys",
    )
    assert sent.status_code == 303
    wave = db.session.scalar(select(SurveyWave))
    assert wave.question_keys == KEYS and wave.closes_on == closes_on and wave.is_open()
    assert len(counters(wave)) == len(KEYS) * len(ANSWERS)
    assert set(counters(wave).values()) == {0}
    # The members hear of it; the sender doesn't.
    told = set(
        db.session.scalars(select(Notification.user_id).where(Notification.kind == "survey.opened"))
    )
    assert told == {world.peer_a.id, world.member_a.id}
    assert count(AuditEvent, AuditEvent.action == "survey.opened") == 1

    member = current_app.test_client()
    log_in(member, world.member_a)
    form_page = member.get(wave_path(world, wave)).get_data(as_text=True)
    assert form_page.count('type="radio"') == len(KEYS) * len(ANSWERS)
    assert "data-listen-part" in form_page and "data-listen-text-part" in form_page
    assert "To a very large degree" in form_page and "Don't know" in form_page
    answered = post_form(
        member,
        wave_path(world, wave) + "/answer",
        {"q_life_good": "4", "q_trust_services": "dont_know", "q_belong_group": "5"},
        token_from=wave_path(world, wave),
        follow_redirects=True,
    )
    assert answered.status_code == 200
    assert "Thank you! Your answers are counted" in plain(answered.get_data(as_text=True))
    assert "You have answered. Thank you!" in plain(answered.get_data(as_text=True))
    assert counters(wave)[("life_good", "4")] == 1
    assert counters(wave)[("trust_services", "dont_know")] == 1
    assert counters(wave)[("belong_group", "5")] == 1
    assert count(SurveyRespondent) == 1
    # Answered: the wave's page says so, with no form.
    again = member.get(wave_path(world, wave)).get_data(as_text=True)
    assert "You have answered this survey" in again and 'type="radio"' not in again

    staff_view = plain(client.get(wave_path(world, wave)).get_data(as_text=True))
    assert "1 has answered so far." in staff_view
    closed = post_form(
        client,
        wave_path(world, wave) + "/close",
        {},
        token_from=wave_path(world, wave),
        follow_redirects=True,
    )
    text = plain(closed.get_data(as_text=True))
    assert "The survey is closed. 1 person answered." in text
    assert "Too few answers to show." in text
    db.session.expire_all()
    assert not wave.is_open()
    assert count(AuditEvent, AuditEvent.action == "survey.closed") == 1
    # Closed: no more answers.
    late = make_user("late", locale="en")
    add_to_group(late, world.group_a)
    with pytest.raises(SurveyError) as refused:
        services.answer(wave, user=late, answers=dict.fromkeys(KEYS, "3"))
    assert refused.value.code == "closed"


def test_a_bad_survey_form_is_refused_beside_the_field(world, client, login):
    login(world.staff_a)
    path = f"/groups/{world.group_a.id}/surveys"
    for data, message in [
        ({"closes_on": (local_today() + timedelta(days=3)).isoformat()}, "Choose at least one"),
        (
            {
                "questions": ["life_good"],
                "closes_on": (local_today() - timedelta(days=1)).isoformat(),
            },
            "The last day has passed",
        ),
        ({"questions": ["no_such_question"], "closes_on": local_today().isoformat()}, "not in"),
        (
            {"questions": list(questions.QUESTIONS)[:9], "closes_on": local_today().isoformat()},
            "at most 8 questions",
        ),
    ]:
        response = post_form(client, path + "/new", data, token_from=path)
        assert response.status_code == 422
        assert message in plain(response.get_data(as_text=True))
    assert count(SurveyWave) == 0


@pytest.mark.parametrize(
    "bad", [{"q_life_good": "6"}, {"q_life_good": "0"}, {"q_life_good": "maybe"}, {}]
)
def test_an_answer_off_the_scale_or_missing_is_refused_and_nothing_is_stored(
    world, client, login, bad
):
    wave = send(world)
    login(world.member_a)
    data = {**form_for(wave, "3"), **bad}
    if not bad:
        del data["q_life_good"]
    response = post_form(
        client, wave_path(world, wave) + "/answer", data, token_from=wave_path(world, wave)
    )
    assert response.status_code == 422
    text = plain(response.get_data(as_text=True))
    expected = "Choose one of the answers shown." if bad else "Choose an answer to this question."
    assert expected in text
    assert 'id="q_life_good-error"' in text
    assert set(counters(wave).values()) == {0}
    assert count(SurveyRespondent) == 0
    # The service refuses the same, for any caller.
    for answers in ({**dict.fromkeys(KEYS, "3"), "life_good": "7"}, {"life_good": "3"}):
        with pytest.raises(SurveyError):
            services.answer(wave, user=world.member_a, answers=answers)
    assert set(counters(wave).values()) == {0} and count(SurveyRespondent) == 0


def test_a_second_answer_is_refused_and_changes_nothing(world, client, login):
    wave = send(world)
    services.answer(wave, user=world.member_a, answers=dict.fromkeys(KEYS, "2"))
    before = counters(wave)
    with pytest.raises(SurveyError) as refused:
        services.answer(wave, user=world.member_a, answers=dict.fromkeys(KEYS, "5"))
    assert refused.value.code == "already_answered"
    assert counters(wave) == before
    login(world.member_a)
    response = post_form(
        client,
        wave_path(world, wave) + "/answer",
        form_for(wave, "5"),
        token_from=f"/groups/{world.group_a.id}/surveys",
        follow_redirects=True,
    )
    assert "You have already answered this survey." in plain(response.get_data(as_text=True))
    assert counters(wave) == before and count(SurveyRespondent) == 1


def _race(app, wave_id: int, user_ids: list[int], answer_of) -> tuple[list[str], list]:
    """Everyone in user_ids answers wave_id at the same instant, each on their own connection."""
    db.session.remove()
    threads_app = make_test_app(
        app.config["SQLALCHEMY_DATABASE_URI"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": len(user_ids) + 2, "max_overflow": 0},
    )
    barrier = threading.Barrier(len(user_ids))
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        try:
            with threads_app.app_context():
                person = db.session.get(User, user_ids[index])
                wave = db.session.get(SurveyWave, wave_id)
                answers = dict.fromkeys(wave.question_keys, answer_of(index))
                barrier.wait(timeout=30)
                try:
                    services.answer(wave, user=person, answers=answers)
                    result = "counted"
                except SurveyError as error:
                    result = error.code
                finally:
                    db.session.remove()
                with lock:
                    outcomes.append(result)
        except BaseException as error:  # any other failure is what these tests look for
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(user_ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with threads_app.app_context():
        db.engine.dispose()
    return outcomes, errors


def test_one_member_answering_twice_at_the_same_instant_is_counted_once(app, world):
    wave = send(world)
    wave_id, member_id = wave.id, world.member_a.id
    outcomes, errors = _race(app, wave_id, [member_id] * 8, lambda i: ANSWERS[i % 6])
    assert errors == []
    assert sorted(outcomes) == ["already_answered"] * 7 + ["counted"]
    wave = db.session.get(SurveyWave, wave_id)
    assert sum(counters(wave).values()) == len(KEYS)
    for key in KEYS:
        assert sum(n for (k, _), n in counters(wave).items() if k == key) == 1
    assert count(SurveyRespondent) == 1


def test_many_members_answering_at_once_are_all_counted(app, world):
    people = members(world, 12)
    wave = send(world)
    wave_id, ids = wave.id, [p.id for p in people]
    outcomes, errors = _race(app, wave_id, ids, lambda i: "4" if i % 3 else "dont_know")
    assert errors == [] and outcomes == ["counted"] * 12
    wave = db.session.get(SurveyWave, wave_id)
    for key in KEYS:
        assert counters(wave)[(key, "4")] == 8 and counters(wave)[(key, "dont_know")] == 4
    assert count(SurveyRespondent) == 12


def test_another_groups_survey_is_not_found(world, client, login):
    wave = send(world)
    login(world.member_b)
    for path in (wave_path(world, wave), wave_path(world, wave, world.group_b)):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/groups/{world.group_a.id}/surveys").status_code == 404
    token_page = f"/groups/{world.group_b.id}/surveys"
    for suffix in ("/answer", "/close"):
        for path in (wave_path(world, wave), wave_path(world, wave, world.group_b)):
            response = post_form(client, path + suffix, form_for(wave, "3"), token_from=token_page)
            assert response.status_code == 404, path + suffix
    assert count(SurveyRespondent) == 0 and db.session.get(SurveyWave, wave.id).is_open()


def test_only_moderators_send_and_close_and_only_members_answer(world, client, login):
    wave = send(world)
    login(world.member_a)
    surveys = f"/groups/{world.group_a.id}/surveys"
    assert "Send a survey" not in client.get(surveys).get_data(as_text=True)
    data = {"questions": KEYS, "closes_on": local_today().isoformat()}
    assert post_form(client, surveys + "/new", data, token_from=surveys).status_code == 404
    close = post_form(client, wave_path(world, wave) + "/close", {}, token_from=surveys)
    assert close.status_code == 404 and db.session.get(SurveyWave, wave.id).is_open()
    # A peer consultant sends one.
    peer = current_app.test_client()
    log_in(peer, world.peer_a)
    assert post_form(peer, surveys + "/new", data, token_from=surveys).status_code == 303
    # The programme lead, with no membership, looks in but doesn't answer.
    lead = current_app.test_client()
    log_in(lead, world.lead)
    page = plain(lead.get(wave_path(world, wave)).get_data(as_text=True))
    assert "Only the group's members answer its surveys." in page
    response = post_form(
        lead, wave_path(world, wave) + "/answer", form_for(wave, "3"), token_from=surveys
    )
    assert response.status_code == 404 and count(SurveyRespondent) == 0


# ---------------------------------------------------------------------------------------------
# Anonymity


def test_the_schema_cannot_link_an_answer_to_a_person(app):
    inspector = inspect(db.engine)
    people_tables = {"user_account", "membership", "household", "survey_respondent"}

    columns = {c["name"]: c for c in inspector.get_columns("survey_answer_count")}
    assert set(columns) == {"wave_id", "question_key", "answer", "count"}
    assert inspector.get_pk_constraint("survey_answer_count")["constrained_columns"] == [
        "wave_id",
        "question_key",
        "answer",
    ]
    for column in columns.values():
        # No time of any kind, and no number handed out in order.
        assert not isinstance(column["type"], Date | DateTime | Time), column["name"]
        assert column.get("autoincrement") is not True, column["name"]
        assert "nextval" not in str(column.get("default") or ""), column["name"]
    foreign = inspector.get_foreign_keys("survey_answer_count")
    assert {fk["referred_table"] for fk in foreign} == {"survey_wave_question"}
    # Nothing leads from the wave's questions to a person either.
    assert {fk["referred_table"] for fk in inspector.get_foreign_keys("survey_wave_question")} == {
        "survey_wave"
    }

    respondent = {c["name"] for c in inspector.get_columns("survey_respondent")}
    assert respondent == {"wave_id", "user_id"}
    assert {fk["referred_table"] for fk in inspector.get_foreign_keys("survey_respondent")} == {
        "survey_wave",
        "user_account",
    }
    # No table points at the counts or the flags, and the counts point at no person's table.
    for table in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(table):
            assert fk["referred_table"] not in {"survey_answer_count", "survey_respondent"}
            if table == "survey_answer_count":
                assert fk["referred_table"] not in people_tables
    if db.engine.dialect.name == "sqlite":
        # Not even SQLite's hidden row number keeps the order the flags were written in.
        with db.engine.connect() as connection:
            for table in ("survey_answer_count", "survey_respondent"):
                sql = connection.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE name = ?", (table,)
                ).scalar()
                assert "WITHOUT ROWID" in sql.upper(), table


def test_answering_writes_no_audit_event_and_no_notification(world):
    wave = send(world)
    events, notes = count(AuditEvent), count(Notification)
    services.answer(wave, user=world.member_a, answers=dict.fromkeys(KEYS, "1"))
    assert count(AuditEvent) == events and count(Notification) == notes
    assert count(AuditEvent, AuditEvent.actor_id == world.member_a.id) == count(
        AuditEvent,
        AuditEvent.actor_id == world.member_a.id,
        AuditEvent.action.not_like("survey%"),
    )


def test_counts_are_hidden_while_the_wave_is_open_even_from_staff(world, client, login):
    wave = send(world)
    people = members(world, 6)
    answer_all(wave, people, lambda i: "5")
    login(world.staff_a)
    for path in (wave_path(world, wave), f"/groups/{world.group_a.id}/surveys"):
        text = plain(client.get(path).get_data(as_text=True))
        assert "6 have answered so far." in text
        assert "survey-table" not in text and "people answered." not in text
    with pytest.raises(ValueError):
        results.wave_result(wave)
    assert results.closed_waves([world.group_a.id], date(2000, 1, 1), date(2100, 1, 1)) == []
    # A member sees only that they can answer; not even the number so far.
    member = current_app.test_client()
    log_in(member, people[0])
    text = plain(member.get(f"/groups/{world.group_a.id}/surveys").get_data(as_text=True))
    assert "answered so far" not in text and "You have answered" in text
    # Past its last day the wave is closed, without anyone closing it.
    wave.closes_on = local_today() - timedelta(days=1)
    wave.opens_on = wave.closes_on - timedelta(days=7)
    db.session.commit()
    result = results.wave_result(wave)
    assert result.shown and result.questions[0].cells["5"] == 6


# ---------------------------------------------------------------------------------------------
# What a closed wave shows


def closed_wave(world, people, pattern, keys=KEYS, days_ago: int = 1) -> SurveyWave:
    wave = send(world, keys)
    answer_all(wave, people, pattern)
    services.close_wave(wave, actor=world.staff_a)
    wave.closes_on = local_today() - timedelta(days=days_ago)
    wave.opens_on = wave.closes_on - timedelta(days=14)
    wave.closed_at = None
    db.session.commit()
    return wave


def test_fewer_than_five_answers_show_nothing(world, client, login):
    wave = closed_wave(world, members(world, 4), lambda i: "5")
    result = results.wave_result(wave)
    assert result.respondents == 4 and not result.shown
    assert all(v is None for q in result.questions for v in q.cells.values())
    assert all(q.high_share is None for q in result.questions)
    login(world.staff_a)
    text = plain(client.get(wave_path(world, wave)).get_data(as_text=True))
    assert "Too few answers to show." in text and "survey-table" not in text
    rows = results.csv_rows([result])
    assert rows[0] == ["group", "wave", "closed_on", "question_key", "question", "answer", "count"]
    assert {row[-1] for row in rows[1:]} == {"hidden"}


def test_a_single_small_cell_hides_a_second_one(world, client, login):
    # 7 people: six say 4, one says 2, for every question.
    wave = closed_wave(world, members(world, 7), lambda i: "2" if i == 0 else "4")
    result = results.wave_result(wave)
    assert result.shown and result.respondents == 7
    for question in result.questions:
        assert question.cells["2"] is None  # one answer: primary suppression
        assert question.cells["4"] is None  # else 7 - 6 would give it away: secondary
        assert [question.cells[a] for a in ("1", "3", "5", "dont_know")] == [0, 0, 0, 0]
        assert question.high_share is None  # it would use a hidden cell
    login(world.staff_a)
    text = plain(client.get(wave_path(world, wave)).get_data(as_text=True))
    assert "7 people answered." in text and text.count("data-suppressed") == 2 * len(KEYS)
    rows = results.csv_rows([result])
    assert sum(1 for row in rows if row[-1] == "hidden") == 2 * len(KEYS)


def test_shown_cells_and_derived_shares(world):
    # 10 people: five say 5, five say 3; zeros are shown.
    wave = closed_wave(world, members(world, 10), lambda i: "5" if i % 2 else "3")
    question = results.wave_result(wave).questions[0]
    assert question.cells == {"1": 0, "2": 0, "3": 5, "4": 0, "5": 5, "dont_know": 0}
    assert question.high_share == 0.5


def test_suppression_examples():
    assert suppress({"1": 0, "2": 3, "3": 3, "4": 6, "5": 0, "dont_know": 0}) == {
        "1": 0, "2": None, "3": None, "4": 6, "5": 0, "dont_know": 0,
    }  # fmt: skip
    # One small cell: the smallest other non-zero cell goes too, not a zero.
    assert suppress({"1": 1, "2": 0, "3": 9, "4": 5, "5": 7, "dont_know": 0}) == {
        "1": None, "2": 0, "3": 9, "4": None, "5": 7, "dont_know": 0,
    }  # fmt: skip
    assert suppress({"1": 5, "2": 5, "3": 0, "4": 0, "5": 0, "dont_know": 0})["1"] == 5


def _possible_values(shown: dict, total: int) -> dict[str, set[int]]:
    """What a reader can work out by subtraction: every hidden cell is at least 1 (zeros are
    shown), and the hidden cells add up to the total less the shown ones."""
    hidden = [a for a, n in shown.items() if n is None]
    rest = total - sum(n for n in shown.values() if n is not None)
    possible: dict[str, set[int]] = {a: set() for a in hidden}
    for values in itertools.product(range(1, rest + 1), repeat=len(hidden)):
        if sum(values) == rest:
            for answer, value in zip(hidden, values, strict=True):
                possible[answer].add(value)
    return possible


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 12), min_size=6, max_size=6))
def test_no_hidden_cell_can_be_worked_out_from_the_shown_ones(values):
    cells = dict(zip(ANSWERS, values, strict=True))
    total = sum(cells.values())
    if total < MIN_ANSWERS or set(values) - {0} == {1}:
        # Nothing is shown; or everyone gave a different answer, all hidden: each hidden cell
        # is then 1, which says nothing about who gave which.
        return
    shown = suppress(cells)
    assert all(shown[a] in (None, n) for a, n in cells.items())
    assert all(shown[a] is None for a, n in cells.items() if 0 < n < MIN_ANSWERS)
    assert all(shown[a] == 0 for a, n in cells.items() if n == 0)
    for answer, possible in _possible_values(shown, total).items():
        assert cells[answer] in possible
        assert len(possible) >= 2, (cells, shown, answer, possible)


# ---------------------------------------------------------------------------------------------
# Change over time, the reports' interface


def test_change_over_time_and_the_reports_interface(world, client, login):
    people = members(world, 12)
    # A year ago 5 of 12 answered 4 or 5; a month ago 7 of 12 did.
    earlier = closed_wave(world, people, lambda i: "4" if i < 5 else "2", days_ago=396)
    earlier.title = "Last year"
    later = closed_wave(world, people, lambda i: "5" if i < 7 else "3", days_ago=30)
    later.title = "This year"
    db.session.commit()
    found = results.closed_waves(
        [world.group_a.id], local_today() - timedelta(days=500), local_today()
    )
    assert [r.wave.id for r in found] == [earlier.id, later.id]
    assert [r.group_name for r in found] == ["Group A", "Group A"]
    assert found[0].closed_on == local_today() - timedelta(days=396)
    shares = [r.questions[0].high_share for r in found]
    assert shares[0] == pytest.approx(5 / 12) and shares[1] == pytest.approx(7 / 12)
    # Only the waves that closed in the period.
    recent = results.closed_waves(
        [world.group_a.id], local_today() - timedelta(days=60), local_today()
    )
    assert [r.wave.id for r in recent] == [later.id]
    assert results.closed_waves([world.group_b.id], date(2000, 1, 1), date(2100, 1, 1)) == []
    rows = results.csv_rows(found)
    assert len(rows) == 1 + 2 * len(KEYS) * len(ANSWERS)
    assert ["Group A", "This year", found[1].closed_on.isoformat(), "belong_group"] == rows[-6][:4]
    assert rows[-2][-2:] == ["5", "7"]

    change = results.change_over_time(found)
    assert [q.key for q in change.questions] == KEYS
    assert [round(r.share, 3) for r in change.questions[0].rows] == [0.417, 0.583]
    assert len(change.questions[0].bars) == 2
    assert change.questions[0].bars[1].height > change.questions[0].bars[0].height

    login(world.staff_a)
    text = plain(client.get(f"/groups/{world.group_a.id}/surveys").get_data(as_text=True))
    assert "Change over time" in text and "<svg" in text
    assert "42%" in text.replace("\xa0", "") and "58%" in text.replace("\xa0", "")


def test_the_macros_render_for_a_report(world):
    people = members(world, 6)
    wave = closed_wave(world, people, lambda i: "4")
    few = closed_wave(world, people[:3], lambda i: "4", days_ago=2)
    found = results.closed_waves([world.group_a.id], date(2000, 1, 1), date(2100, 1, 1))
    assert [r.wave.id for r in found] == [few.id, wave.id]
    template = current_app.jinja_env.from_string(
        '{% from "surveys/_macros.html" import wave_results, change_chart %}'
        "{% for r in results %}{{ wave_results(r) }}{% endfor %}{{ change_chart(results) }}"
    )
    with current_app.test_request_context(), force_locale("en"):
        html = plain(template.render(results=found))
    assert "Too few answers to show." in html
    assert "6 people answered." in html and "<svg" in html


def test_every_question_and_answer_can_be_translated():
    """`make translations` finds every text the surveys show: each is a literal msgid."""
    path = Path(__file__).parents[2] / "pb" / "surveys" / "questions.py"
    found = {
        message
        for _line, message, _comments, _context in extract_from_file(
            "python", str(path), keywords={"_l": None, "lazy_gettext": None}
        )
    }
    texts = [*questions.QUESTIONS.values(), *questions.ANSWER_NAMES.values()]
    texts += list(questions.THEME_NAMES.values())
    for text in texts:
        assert text._args[0] in found
    assert set(questions.ANSWER_NAMES) == set(ANSWERS)
    assert all(text._args[0].startswith("To what degree") for text in questions.QUESTIONS.values())
    offered = [k for keys in questions.THEMES.values() for k in keys]
    assert len(offered) == len(set(offered)) and set(offered) <= set(questions.QUESTIONS)


# ---------------------------------------------------------------------------------------------
# Personal data and the demo


def test_the_export_lists_the_waves_answered_and_deleting_removes_the_flags(world):
    from pb.accounts import services as accounts
    from tests.factories import PASSWORD

    wave = send(world, title="Autumn pulse")
    services.answer(wave, user=world.member_a, answers=dict.fromkeys(KEYS, "3"))
    data = accounts.export_user_data(world.member_a)
    assert [w["survey"] for w in data["surveys"]["surveys_answered"]] == ["Autumn pulse"]
    before = counters(wave)
    accounts.delete_account(world.member_a, PASSWORD)
    assert count(SurveyRespondent) == 0
    assert counters(wave) == before  # the answer stays, as a count of nobody
    assert services.answered_count(wave) == 1


def test_the_demo_has_two_waves_and_the_later_is_better(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    from pb.groups.models import Group

    steady = db.session.scalar(select(Group).where(Group.name == "Stødig start"))
    found = results.closed_waves([steady.id], date(2000, 1, 1), date(2100, 1, 1))
    assert len(found) == 2 and all(r.shown and r.respondents >= 12 for r in found)
    days = [(local_today() - r.closed_on).days for r in found]
    assert 380 <= days[0] <= 410 and 20 <= days[1] <= 40
    assert found[0].wave.question_keys == found[1].wave.question_keys

    def mean(result) -> float:
        counts = counters(result.wave)
        scores = [int(a) * n for (_, a), n in counts.items() if a != "dont_know"]
        return sum(scores) / sum(n for (_, a), n in counts.items() if a != "dont_know")

    assert mean(found[1]) > mean(found[0])
    flags = count(SurveyRespondent)
    assert flags == sum(r.respondents for r in found)
    assert "nothing changed" in runner.invoke(args=["seed-demo"]).output
    assert count(SurveyRespondent) == flags
