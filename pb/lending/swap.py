"""The swap shelf (byttebu): members give away or swap what their children have outgrown.

A post is open for 30 days. Another member reserves it, and the giver marks it handed over.
"""

from datetime import datetime, timedelta

from sqlalchemy import select

from pb.extensions import db
from pb.lending import notices
from pb.lending.models import SWAP_DAYS, SwapPost
from pb.lending.services import PHOTO_FOLDER, LendingError, _commit_or_remove
from pb.proposals import photos
from pb.timeutil import utcnow
from pb.web import path_for

SHOWN = ("open", "reserved")


def post_thing(group, *, author, kind, title, description, size_or_age, photo=None) -> SwapPost:
    names = photos.store_photo(photo, PHOTO_FOLDER) if photo is not None else (None, None)
    now = utcnow()
    post = SwapPost(
        group_id=group.id,
        author_id=author.id,
        kind=kind,
        title=title.strip(),
        description=(description or "").strip(),
        size_or_age=(size_or_age or "").strip(),
        photo_name=names[0],
        thumbnail_name=names[1],
        created_at=now,
        expires_at=now + timedelta(days=SWAP_DAYS),
    )
    db.session.add(post)
    _commit_or_remove(*names)
    return post


def shelf(group, now: datetime | None = None) -> list[SwapPost]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(SwapPost)
            .where(
                SwapPost.group_id == group.id,
                SwapPost.status.in_(SHOWN),
                SwapPost.expires_at > now,
            )
            .order_by(SwapPost.created_at.desc())
        )
    )


def reserve(post: SwapPost, *, user) -> SwapPost:
    if post.status != "open" or post.expires_at <= utcnow():
        raise LendingError("wrong_status")
    if post.author_id == user.id:
        raise LendingError("not_yours")
    # One UPDATE that only matches an open post: two people tapping at once, one gets it.
    claimed = db.session.execute(
        SwapPost.__table__.update()
        .where(SwapPost.id == post.id, SwapPost.status == "open")
        .values(status="reserved", reserved_by_id=user.id, reserved_at=utcnow())
    ).rowcount
    if not claimed:
        db.session.rollback()
        raise LendingError("wrong_status")
    db.session.refresh(post)
    if post.author is not None:
        notices.send(
            post.author,
            "swap.reserved",
            post,
            link=path_for("lending.swap_page", group_id=post.group_id, post_id=post.id),
            item=post.title,
        )
    db.session.commit()
    return post


def release(post: SwapPost, *, user) -> SwapPost:
    """The giver, or the one who reserved it, lets the reservation go: the post is open again."""
    if post.status != "reserved" or user.id not in (post.author_id, post.reserved_by_id):
        raise LendingError("wrong_status")
    post.status = "open"
    post.reserved_by_id = None
    post.reserved_at = None
    db.session.commit()
    return post


def hand_over(post: SwapPost, *, user) -> SwapPost:
    if post.author_id != user.id:
        raise LendingError("not_yours")
    if post.status != "reserved":
        raise LendingError("wrong_status")
    post.status = "handed_over"
    db.session.commit()
    return post


def withdraw(post: SwapPost, *, user) -> SwapPost:
    if post.author_id != user.id:
        raise LendingError("not_yours")
    if post.status not in SHOWN:
        raise LendingError("wrong_status")
    post.status = "withdrawn"
    db.session.commit()
    photos.remove_photo(post.photo_name, post.thumbnail_name, kind=PHOTO_FOLDER)
    return post


def expire_posts(now: datetime | None = None) -> int:
    """Posts older than 30 days leave the shelf; their photos are deleted."""
    now = now or utcnow()
    old = list(
        db.session.scalars(
            select(SwapPost).where(SwapPost.status.in_(SHOWN), SwapPost.expires_at <= now)
        )
    )
    names = []
    for post in old:
        post.status = "expired"
        names += [post.photo_name, post.thumbnail_name]
        post.photo_name = post.thumbnail_name = None
    db.session.commit()
    photos.remove_photo(*names, kind=PHOTO_FOLDER)
    return len(old)
