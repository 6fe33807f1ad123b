"""Counting a large round off the web request, when Redis is configured.

The request closes voting (the phase moves to results, so no ballot can come in after) and
queues the count for `flask --app pb worker`; the staff member's page shows how far it has come
and moves on to the results when they are there. Without Redis (the embedded default) the
request counts at once, as a round of a few hundred voters takes a moment.
"""

import logging

from flask import current_app

from pb.extensions import db
from pb.proposals.models import BudgetRound
from pb.voting import services

log = logging.getLogger(__name__)
PROGRESS_SECONDS = 24 * 3600


def _progress_key(round_id: int) -> str:
    return f"{current_app.config['COUNT_QUEUE']}:progress:{round_id}"


def _set_progress(round_id: int, state: str, error: str = "") -> None:
    from pb.notifications import jobs

    connection = jobs.connection()
    key = _progress_key(round_id)
    connection.hset(key, mapping={"state": state, "error": error[:300]})
    connection.expire(key, PROGRESS_SECONDS)


def progress(round_id: int) -> dict | None:
    """{"state": "queued" | "counting" | "failed", "error": ...}, or None if nothing is queued
    (or Redis is not there)."""
    if not current_app.config["REDIS_URL"]:
        return None
    from pb.notifications import jobs

    try:
        found = jobs.connection().hgetall(_progress_key(round_id))
    except jobs.redis.RedisError:
        return None
    return {k.decode(): v.decode() for k, v in found.items()} or None


def start(budget_round: BudgetRound, *, actor, reason=None, complete_unvoted=None) -> bool:
    """Count the round: in the background if there is a queue (True), else now (False)."""
    from pb.notifications import jobs

    if current_app.config["REDIS_URL"]:
        services.close_for_count(budget_round, actor=actor, complete_unvoted=complete_unvoted)
        try:
            _set_progress(budget_round.id, "queued")
            jobs.queue(current_app.config["COUNT_QUEUE"]).enqueue_call(
                count_job,
                args=(budget_round.id, actor.id, reason),
                timeout=600,
                result_ttl=0,
                description=f"count round {budget_round.id}",
            )
            return True
        except jobs.redis.RedisError as error:
            log.warning("the count queue is unavailable, counting in the request: %s", error)
    services.count_round(
        budget_round, actor=actor, reason=reason, complete_unvoted=complete_unvoted
    )
    return False


def count_job(round_id: int, actor_id: int, reason: str | None) -> None:
    """The worker's part: count, and say how far it has come."""
    from pb.accounts.models import User

    _set_progress(round_id, "counting")
    try:
        budget_round = db.session.get(BudgetRound, round_id)
        services.count_round(budget_round, actor=db.session.get(User, actor_id), reason=reason)
    except Exception as error:
        db.session.rollback()
        _set_progress(round_id, "failed", f"{error.__class__.__name__}: {error}")
        raise
    else:
        from pb.notifications import jobs

        jobs.connection().delete(_progress_key(round_id))
    finally:
        db.session.remove()
