"""Thirty people's worth of simultaneous submissions leave exactly one ballot per member."""

import os
import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from pb.extensions import db
from pb.groups.models import Membership
from pb.timeutil import utcnow
from pb.voting.models import Ballot
from tests.conftest import csrf_token
from tests.factories import add_to_group, log_in, make_user
from tests.integration.voting_helpers import proposal_ids, voting_round

THREADS = 30
MEMBERS = 6


@pytest.mark.skipif(
    os.environ.get("TEST_DATABASE", "sqlite") != "postgresql",
    reason="the concurrency guarantee is PostgreSQL's; SQLite serialises writers anyway",
)
def test_thirty_threads_changing_the_same_ballots(app, world):
    budget_round = voting_round(world, ballot_format="approval")
    ids = proposal_ids(budget_round)
    members = [make_user(f"concurrent{i}") for i in range(MEMBERS)]
    for member in members:
        add_to_group(member, world.group_a)
    db.session.execute(update(Membership).values(joined_at=utcnow() - timedelta(days=30)))
    db.session.commit()
    url = f"/groups/{world.group_a.id}/rounds/{budget_round.id}/ballot"
    clients = []
    for index in range(THREADS):
        client = app.test_client()
        log_in(client, members[index % MEMBERS])
        clients.append((client, csrf_token(client, url)))

    start = threading.Barrier(THREADS)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def submit(client, token, seed):
        chooser = random.Random(seed)
        try:
            start.wait()
            for _round in range(3):
                picks = chooser.sample(ids, chooser.randint(1, len(ids)))
                response = client.post(
                    url, data={"csrf_token": token, "proposal": [str(i) for i in picks]}
                )
                statuses.append(response.status_code)
        except BaseException as error:  # collected, then asserted in the main thread
            errors.append(error)

    threads = [
        threading.Thread(target=submit, args=(client, token, seed))
        for seed, (client, token) in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert statuses and set(statuses) == {303}, sorted(set(statuses))
    db.session.expire_all()
    per_member = db.session.execute(
        select(Ballot.voter_id, func.count()).group_by(Ballot.voter_id)
    ).all()
    assert sorted(v for v, _ in per_member) == sorted(m.id for m in members)
    assert all(count == 1 for _, count in per_member)
    changes = db.session.scalar(select(func.sum(Ballot.changes)))
    assert changes == THREADS * 3 - MEMBERS
