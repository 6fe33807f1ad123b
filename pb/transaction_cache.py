"""Values worked out once per transaction: who may decide a group's money, a programme's
approval policy. A page that asks for each of fifty payouts would otherwise ask the database
fifty times. Any flush, commit or rollback forgets them, so a change is seen at once."""

from sqlalchemy import event
from sqlalchemy.orm import Session

from pb.extensions import db

_KEY = "transaction_cache"


def remember(key, compute):
    cache = db.session.info.setdefault(_KEY, {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session, *_args) -> None:
    session.info.pop(_KEY, None)
