"""The RQ queue, when REDIS_URL is set: the web app enqueues delivery ids after its commit, and
`flask --app pb worker` sends them. A failed send is retried by RQ with the same back-off the
database records; the database stays the source of truth, so the tick re-queues whatever a
lost queue or a killed worker left pending."""

import redis
from flask import current_app
from rq import Queue, Retry, SimpleWorker
from rq.job import Job, JobStatus

from pb.extensions import db


class QueueUnavailable(Exception):
    """Redis did not answer."""


class DeliveryFailed(Exception):
    """Raised by a job whose send failed and will be tried again, so that RQ retries it."""


def connection() -> redis.Redis:
    return redis.Redis.from_url(
        current_app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5
    )


def queue(name: str | None = None) -> Queue:
    return Queue(name or current_app.config["NOTIFY_QUEUE"], connection=connection())


def _retry() -> Retry | None:
    config = current_app.config
    tries_left = config["DELIVERY_MAX_ATTEMPTS"] - 1
    if tries_left < 1:
        return None
    backoff = config["DELIVERY_BACKOFF_SECONDS"]
    # One wait per retry, read as delivery._failed() reads them (the last one repeats), and a
    # second longer: RQ's scheduler counts whole seconds and could start a retry before the
    # row's not_before, and such a job would end without sending and without another retry.
    waits = [backoff[min(i, len(backoff) - 1)] for i in range(tries_left)]
    return Retry(max=tries_left, interval=[wait + 1 if wait else 0 for wait in waits])


def job_id(delivery_id: int) -> str:
    return f"delivery-{delivery_id}"


def _waiting(q: Queue, ids: list[int]) -> set[int]:
    """Deliveries whose job is still queued or scheduled for a retry. A "started" job does
    not count: the tick asks only about pending rows, and a job that started on a row still
    pending died with its worker."""
    jobs = Job.fetch_many([job_id(i) for i in ids], connection=q.connection)
    waiting = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
    return {
        delivery_id
        for delivery_id, job in zip(ids, jobs, strict=True)
        if job is not None and job.get_status(refresh=False) in waiting
    }


def enqueue(ids: list[int], *, skip_waiting: bool = False) -> None:
    """Queue a job per delivery. The tick passes `skip_waiting`, so that a backlog waiting for
    a stopped worker is not queued again every five minutes; a job queued twice anyway (a
    killed worker's) is harmless, as only one sender can claim the row."""
    try:
        q = queue()
        if skip_waiting:
            waiting = _waiting(q, ids)
            ids = [i for i in ids if i not in waiting]
        retry = _retry()
        with q.connection.pipeline() as pipe:
            for delivery_id in ids:
                q.enqueue_call(
                    send_delivery_job,
                    args=(delivery_id,),
                    job_id=job_id(delivery_id),
                    retry=retry,
                    result_ttl=0,
                    failure_ttl=7 * 24 * 3600,
                    description=f"notification delivery {delivery_id}",
                    pipeline=pipe,
                )
            pipe.execute()
    except redis.RedisError as error:
        raise QueueUnavailable(str(error)) from error


def send_delivery_job(delivery_id: int) -> str:
    """One job: try one delivery. Runs inside the worker's app context."""
    from pb.notifications.delivery import attempt

    try:
        outcome = attempt(delivery_id)
    finally:
        db.session.remove()
    if outcome == "retry":
        raise DeliveryFailed(f"delivery {delivery_id} failed; it is tried again later")
    return outcome


def run_worker(burst: bool = False) -> None:
    """Work the queues in this process (the app context is the command's), with RQ's scheduler
    for the retries' back-off: email and SMS first, then counts of rounds."""
    names = [current_app.config["NOTIFY_QUEUE"], current_app.config["COUNT_QUEUE"]]
    worker = SimpleWorker([queue(name) for name in names], connection=connection())
    worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
