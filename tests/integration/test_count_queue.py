"""With Redis, counting a round runs off the web request: the count button closes voting and
queues the count for a real `flask --app pb worker`; the staff member's page shows the count
waiting and then moves on to the results by itself (htmx, or a plain reload)."""

import uuid

from sqlalchemy import select

from pb.extensions import db
from pb.voting import services
from pb.voting.models import RoundResult
from tests.conftest import post_form
from tests.factories import add_to_group, log_in, make_user
from tests.integration.test_notification_queue import (  # noqa: F401 - fixtures
    _forget_queue,
    queued,
    wait_until,
    workers,
)
from tests.integration.voting_helpers import voting_round


def test_a_count_queued_by_staff_is_counted_by_the_worker_and_the_page_follows(
    app,
    world,
    client,
    queued,  # noqa: F811 - the imported fixture
    workers,  # noqa: F811 - the imported fixture
):
    count_queue = f"fellespott-test-count-{uuid.uuid4().hex}"
    app.config["COUNT_QUEUE"] = count_queue
    voters = [add_to_group(make_user(f"v{i}"), world.group_a).user for i in range(30)]
    budget_round = voting_round(world)
    for voter in voters:
        services.cast_ballot(budget_round, voter, [budget_round.proposals[0].id])
    base = f"/groups/{world.group_a.id}/rounds/{budget_round.id}"
    round_id = budget_round.id
    log_in(client, world.staff_a)
    try:
        response = post_form(
            client, f"{base}/count", {"reason": "Alle har stemt.", "complete_unvoted": ""}
        )
        assert response.status_code == 303 and response.location.endswith(f"{base}/count/progress")
        # Voting is closed at once; the count waits for a worker.
        db.session.expire_all()
        assert services.round_phase(budget_round) == "results"
        assert (
            db.session.scalar(select(RoundResult).where(RoundResult.round_id == round_id)) is None
        )
        page = client.get(f"{base}/count/progress", headers={"Accept-Language": "en"})
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "waiting its turn" in text
        assert 'http-equiv="refresh"' in text and 'hx-trigger="every 1s"' in text

        worker = workers(COUNT_QUEUE=count_queue)

        def counted():
            db.session.rollback()
            return db.session.scalar(select(RoundResult).where(RoundResult.round_id == round_id))

        result = wait_until(counted, "the worker's count", worker=worker)
        assert result.voters == 30 and result.selected == [budget_round.proposals[0].id]
        wait_until(
            lambda: client.get(f"{base}/count/progress").status_code == 303,
            "the progress page to move on",
            worker=worker,
        )
        htmx = client.get(f"{base}/count/progress", headers={"HX-Request": "true"})
        assert htmx.status_code == 204 and htmx.headers["HX-Redirect"].endswith(f"{base}/results")
        assert client.get(f"{base}/results").status_code == 200
    finally:
        _forget_queue(queued.connection, count_queue)
