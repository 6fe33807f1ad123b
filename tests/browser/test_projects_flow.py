"""On phones: a youth leader logs an activity with a photo, counting the steps it takes. A family
answers a survey in Tigrinya. Staff read the group's report and download a section as CSV."""

import csv
import io
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from pb.extensions import db
from pb.groups.models import Membership
from pb.projects.models import Activity
from pb.surveys import questions
from pb.surveys import services as surveys
from pb.surveys.models import SurveyRespondent
from pb.timeutil import local_today
from tests.browser.conftest import fits_the_screen, phone_for, screenshot
from tests.integration.test_projects import make_project
from tests.integration.test_proposals_proposals import jpeg_with_gps

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

# The most a leader should have to do to log an activity, counting each tap, typed field and
# chosen file: open the form, pick the kind, three head counts, a photo, its consent, save.
MOST_STEPS = 8


class Steps:
    """Counts what the leader does, and how long it takes from the project page to saved."""

    def __init__(self):
        self.count = 0
        self.started = time.monotonic()

    def do(self, action, *args):
        self.count += 1
        return action(*args)

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started


def test_log_an_activity_answer_a_survey_in_tigrinya_and_read_the_report(
    browser, live_server, world, app, tmp_path
):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    db.session.execute(
        Membership.__table__.update()
        .where(Membership.user_id == world.peer_a.id)
        .values(peer_kind="youth_mediator")
    )
    project = make_project(world)
    keys = list(questions.DEFAULT_QUESTIONS[:3])
    wave = surveys.create_wave(
        world.group_a,
        actor=world.staff_a,
        question_keys=keys,
        closes_on=local_today() + timedelta(days=7),
        title="Pulsen",
    )
    world.member_a.locale = "ti"
    db.session.commit()
    photo = tmp_path / "middag.jpg"
    photo.write_bytes(jpeg_with_gps((1200, 900)))
    group_url = f"{live_server}/groups/{world.group_a.id}"

    # 1. The youth mediator logs today's mediation with a photo, on the phone.
    page = phone_for(browser, live_server, world.peer_a)
    page.goto(f"{group_url}/projects/{project.id}")
    steps = Steps()
    steps.do(page.locator("a[href$='/activities/new']").click)
    page.wait_for_url(re.compile(r"/activities/new$"))
    assert fits_the_screen(page)
    steps.do(page.locator("input[name=kind][value=mediation]").check)
    steps.do(page.locator("#adults").fill, "1")
    steps.do(page.locator("#youth").fill, "3")
    steps.do(page.locator("#photo").set_input_files, str(photo))
    steps.do(page.locator("input[name=photo_consent][value=group]").check)
    screenshot(page, "projects-log-activity")
    steps.do(page.locator("form.activity-form button[type=submit]").click)
    page.wait_for_url(re.compile(r"/activities/\d+$"))
    print(f"\nLogging an activity took {steps.count} steps and {steps.seconds:.1f} s")
    assert steps.count <= MOST_STEPS
    activity = db.session.scalar(select(Activity))
    assert (activity.kind, activity.adults, activity.youth, activity.children) == (
        "mediation",
        1,
        3,
        0,
    )
    assert activity.happened_on == local_today()
    assert len(activity.photos) == 1 and activity.photos[0].consent == "group"
    assert page.locator(".photo-grid img").count() == 1
    assert fits_the_screen(page)
    assert not page.problems.messages
    page.context.close()

    # 2. A parent answers the survey in Tigrinya, with big buttons, and can't answer twice.
    page = phone_for(browser, live_server, world.member_a, locale="ti")
    page.goto(f"{group_url}/surveys/{wave.id}")
    assert page.locator("html").get_attribute("lang") == "ti"
    with app.test_request_context(), force_locale("ti"):
        first_question = str(questions.QUESTIONS[keys[0]])
        very_large = str(questions.ANSWER_NAMES["5"])
    # The words are Tigrinya, not the English they are translated from.
    assert first_question != questions.QUESTIONS[keys[0]]._args[0]
    assert page.locator(".question-text").first.inner_text().strip() == first_question
    assert very_large in page.locator(".scale").first.inner_text()
    assert fits_the_screen(page)
    screenshot(page, "surveys-answer-ti")
    for index, answer in enumerate(["5", "4", "dont_know"]):
        page.locator(f"fieldset.survey-question >> nth={index}").locator(
            f"input[value='{answer}'] + label"
        ).click()
    page.locator("form.survey-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/surveys$"))
    assert page.locator(".flash-success").count() == 1
    page.goto(f"{group_url}/surveys/{wave.id}")
    assert page.locator("form.survey-form").count() == 0
    answered = db.session.scalar(select(func.count()).select_from(SurveyRespondent))
    assert answered == 1
    assert not page.problems.messages
    page.context.close()

    # 3. Staff read the group's report, and download the activities as CSV.
    page = phone_for(browser, live_server, world.staff_a)
    page.goto(f"{group_url}/report")
    section = page.locator("section[data-section=activities]")
    assert "Ung-til-ung" in section.inner_text()
    assert fits_the_screen(page)
    screenshot(page, "reports-group")
    with page.expect_download() as download_info:
        section.get_by_role("link", name=re.compile("CSV")).click()
    download = download_info.value
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    row = next(r for r in rows if r["project"] == "Ung-til-ung")
    assert (row["activities"], row["adults"], row["youth"], row["people"]) == ("1", "1", "3", "4")
    assert download.suggested_filename.startswith(f"report-group-{world.group_a.id}-activities")
    assert not page.problems.messages
    page.context.close()
