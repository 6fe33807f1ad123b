"""Projects, their activity logs and photos, and stories of change: each operation is one
transaction, written to the audit log in the same commit."""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from pb.audit.services import record
from pb.errors import RuleRefused
from pb.extensions import db
from pb.groups.models import Membership
from pb.notifications.services import notify, register_kind
from pb.payouts.models import PayoutRequest
from pb.projects.models import (
    PEER_KINDS,
    Activity,
    ActivityPhoto,
    Project,
    ProjectLeader,
    ProjectPayout,
    Story,
    StoryTranslation,
)
from pb.proposals import photos
from pb.timeutil import utcnow
from pb.web import path_for

PHOTO_FOLDER = "projects"

register_kind("story.published", _l("Your story “%(title)s” is published."))
register_kind(
    "story.declined", _l("Your story “%(title)s” was not published. See why on its page.")
)
register_kind("project.leader", _l("You are now a leader of the project “%(title)s”."))


class ProjectError(RuleRefused):
    """A rule of projects was broken; `code` names it, and MESSAGES holds its translated text."""


MESSAGES = {
    "not_a_peer": _l("Leaders must be peer consultants or staff in this group."),
    "needs_peer_leader": _l("At least one leader must be a peer consultant."),
    "not_a_payout": _l("Choose one of the payouts that fund the project."),
    "story_decided": _l("This story has already been handled. Reload the page."),
    "same_language": _l("The story is already in this language. Choose another language."),
}
ProjectError.messages = MESSAGES


# --- projects ------------------------------------------------------------------------------------


def leader_choices(group) -> list[Membership]:
    """Who may lead: peer consultants of every kind, and staff as co-leaders."""
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.group_id == group.id, Membership.role.in_(("peer", "staff")))
            .order_by(Membership.role, Membership.id)
        )
    )


def funding_choices(group) -> list[PayoutRequest]:
    """Collective payouts only: a household's own payout is never shown on a group's project."""
    return list(
        db.session.scalars(
            select(PayoutRequest)
            .where(
                PayoutRequest.group_id == group.id,
                PayoutRequest.kind == "collective",
                PayoutRequest.state.in_(("requested", "approved", "paid")),
            )
            .order_by(PayoutRequest.id.desc())
        )
    )


def _check_leaders(group, leader_ids: list[int]) -> None:
    roles = {m.user_id: m.role for m in leader_choices(group)}
    if any(user_id not in roles for user_id in leader_ids):
        raise ProjectError("not_a_peer")
    if not any(roles[user_id] == "peer" for user_id in leader_ids):
        raise ProjectError("needs_peer_leader")


def _check_funding(group, payout_ids: list[int]) -> None:
    allowed = {p.id for p in funding_choices(group)}
    if any(payout_id not in allowed for payout_id in payout_ids):
        raise ProjectError("not_a_payout")


def _set_people_and_money(project: Project, leader_ids: list[int], payout_ids: list[int]):
    """Returns the leaders who are new, to tell them."""
    before = project.leader_ids
    project.leaders = [ProjectLeader(user_id=user_id) for user_id in dict.fromkeys(leader_ids)]
    project.funding = [
        ProjectPayout(payout_id=payout_id) for payout_id in dict.fromkeys(payout_ids)
    ]
    return [user_id for user_id in leader_ids if user_id not in before]


def _tell_new_leaders(project: Project, user_ids: list[int], actor) -> None:
    from pb.accounts.models import User

    link = path_for("projects.project_page", group_id=project.group_id, project_id=project.id)
    for user_id in user_ids:
        if user_id != actor.id:
            notify(
                db.session.get(User, user_id),
                "project.leader",
                in_group=project.group,
                link=link,
                title=project.title,
            )


def create_project(group, *, actor, leader_ids, payout_ids, **fields) -> Project:
    _check_leaders(group, leader_ids)
    _check_funding(group, payout_ids)
    project = Project(group_id=group.id, created_by_id=actor.id, **fields)
    db.session.add(project)
    new_leaders = _set_people_and_money(project, leader_ids, payout_ids)
    db.session.flush()
    record("project.created", actor=actor, group=group, subject=project)
    _tell_new_leaders(project, new_leaders, actor)
    db.session.commit()
    return project


def update_project(project: Project, *, actor, leader_ids, payout_ids, **fields) -> Project:
    _check_leaders(project.group, leader_ids)
    _check_funding(project.group, payout_ids)
    for name, value in fields.items():
        setattr(project, name, value)
    new_leaders = _set_people_and_money(project, leader_ids, payout_ids)
    record("project.updated", actor=actor, group=project.group, subject=project)
    _tell_new_leaders(project, new_leaders, actor)
    db.session.commit()
    return project


def set_peer_kind(membership: Membership, kind: str | None, *, actor) -> None:
    if membership.role != "peer" and kind:
        raise ProjectError("not_a_peer")
    if kind is not None and kind not in PEER_KINDS:
        raise ProjectError("not_a_peer")
    membership.peer_kind = kind
    record(
        "membership.peer_kind",
        actor=actor,
        group=membership.group,
        subject=membership,
        peer_kind=kind or "",
    )
    db.session.commit()


# --- activities ----------------------------------------------------------------------------------


def _store(photo) -> tuple[str, str]:
    return photos.store_photo(photo, PHOTO_FOLDER)


@contextmanager
def _photos_removed_on_failure(*names: str | None):
    """The photos written for this change are removed again if anything after them fails, up
    to and including the commit: no file stays behind without its row."""
    try:
        yield
    except Exception:
        db.session.rollback()
        photos.remove_photo(*names, kind=PHOTO_FOLDER)
        raise


def log_activity(project: Project, *, actor, photo=None, photo_consent=None, **fields) -> Activity:
    if fields.get("payout_id") and fields["payout_id"] not in {
        f.payout_id for f in project.funding
    }:
        raise ProjectError("not_a_payout")
    names = _store(photo) if photo is not None else ()
    with _photos_removed_on_failure(*names):
        activity = Activity(project_id=project.id, logged_by_id=actor.id, **fields)
        db.session.add(activity)
        if names:
            activity.photos.append(
                ActivityPhoto(photo_name=names[0], thumbnail_name=names[1], consent=photo_consent)
            )
        db.session.flush()
        record(
            "activity.logged",
            actor=actor,
            group=project.group,
            subject=activity,
            project_id=project.id,
            heads=activity.heads,
        )
        db.session.commit()
    return activity


def add_activity_photo(activity: Activity, *, actor, photo, consent: str) -> ActivityPhoto:
    names = _store(photo)
    with _photos_removed_on_failure(*names):
        added = ActivityPhoto(
            activity_id=activity.id, photo_name=names[0], thumbnail_name=names[1], consent=consent
        )
        db.session.add(added)
        db.session.flush()
        record(
            "activity.photo_added",
            actor=actor,
            group=activity.project.group,
            subject=added,
            consent=consent,
        )
        db.session.commit()
    return added


def remove_activity_photo(photo: ActivityPhoto, *, actor) -> None:
    names = (photo.photo_name, photo.thumbnail_name)
    record("activity.photo_removed", actor=actor, group=photo.activity.project.group, subject=photo)
    db.session.delete(photo)
    db.session.commit()
    photos.remove_photo(*names, kind=PHOTO_FOLDER)


def delete_activity(activity: Activity, *, actor) -> None:
    """A mistake in the log is taken out whole, photos and all."""
    project = activity.project
    names = [n for p in activity.photos for n in (p.photo_name, p.thumbnail_name)]
    record(
        "activity.deleted",
        actor=actor,
        group=project.group,
        subject=activity,
        happened_on=activity.happened_on.isoformat(),
        heads=activity.heads,
    )
    db.session.delete(activity)
    db.session.commit()
    photos.remove_photo(*names, kind=PHOTO_FOLDER)


@dataclass(frozen=True)
class ProjectTotals:
    activities: int
    adults: int
    youth: int
    children: int
    volunteer_minutes: int
    cost_ore: int

    @property
    def heads(self) -> int:
        return self.adults + self.youth + self.children


def totals(project_ids: list[int], start: date | None = None, end: date | None = None):
    """Sums of the activity log, per project id, in one query."""
    query = select(
        Activity.project_id,
        func.count(),
        func.coalesce(func.sum(Activity.adults), 0),
        func.coalesce(func.sum(Activity.youth), 0),
        func.coalesce(func.sum(Activity.children), 0),
        func.coalesce(func.sum(Activity.volunteer_minutes), 0),
        func.coalesce(func.sum(Activity.cost_ore), 0),
    ).where(Activity.project_id.in_(project_ids))
    if start is not None:
        query = query.where(Activity.happened_on >= start)
    if end is not None:
        query = query.where(Activity.happened_on <= end)
    rows = db.session.execute(query.group_by(Activity.project_id)).all()
    empty = ProjectTotals(0, 0, 0, 0, 0, 0)
    found = {row[0]: ProjectTotals(*(int(v) for v in row[1:])) for row in rows}
    return {project_id: found.get(project_id, empty) for project_id in project_ids}


# --- stories -------------------------------------------------------------------------------------


def submit_story(group, *, actor, photo=None, photo_consent=None, **fields) -> Story:
    names = _store(photo) if photo is not None else ()
    with _photos_removed_on_failure(*names):
        story = Story(group_id=group.id, author_id=actor.id, status="submitted", **fields)
        if names:
            story.photo_name, story.thumbnail_name = names
            story.photo_consent = photo_consent
        db.session.add(story)
        db.session.flush()
        record("story.submitted", actor=actor, group=group, subject=story)
        db.session.commit()
    return story


def _require_status(story: Story, *allowed: str) -> None:
    if story.status not in allowed:
        raise ProjectError("story_decided")


def _story_link(story: Story) -> str:
    return path_for("projects.story_page", group_id=story.group_id, story_id=story.id)


def _tell_author(story: Story, kind: str) -> None:
    if story.author is not None:
        notify(
            story.author,
            kind,
            in_group=story.group,
            link=_story_link(story),
            title=story.title or story.body[:40],
        )


def publish_story(story: Story, *, actor) -> None:
    _require_status(story, "submitted")
    story.status = "published"
    story.published_at = utcnow()
    story.decided_by_id = actor.id
    record("story.published", actor=actor, group=story.group, subject=story)
    _tell_author(story, "story.published")
    db.session.commit()


def decline_story(story: Story, *, actor, reason: str) -> None:
    _require_status(story, "submitted")
    story.status = "declined"
    story.decline_reason = reason
    story.decided_by_id = actor.id
    record("story.declined", actor=actor, group=story.group, subject=story, reason=reason)
    _tell_author(story, "story.declined")
    db.session.commit()


def withdraw_story(story: Story, *, actor) -> None:
    """The author takes their story down, or a moderator hides a published one."""
    _require_status(story, "submitted", "published")
    story.status = "withdrawn"
    record("story.withdrawn", actor=actor, group=story.group, subject=story)
    db.session.commit()


def translate_story(story: Story, *, actor, language: str, title: str, body: str):
    if language == story.language:
        raise ProjectError("same_language")
    # Every column at once: a half-made row must never meet an autoflush.
    fields = {"title": title, "body": body, "translated_by_id": actor.id}
    existing = next((t for t in story.translations if t.language == language), None)
    if existing is None:
        story.translations.append(StoryTranslation(language=language, **fields))
    else:
        for name, value in fields.items():
            setattr(existing, name, value)
    db.session.flush()
    record("story.translated", actor=actor, group=story.group, subject=story, language=language)
    db.session.commit()


def waiting_stories(group) -> list[Story]:
    return list(
        db.session.scalars(
            select(Story)
            .where(Story.group_id == group.id, Story.status == "submitted")
            .order_by(Story.id)
        )
    )


def published_stories(group_ids: list[int], visibilities=None, start=None, end=None, limit=None):
    """Published stories, newest first; `start` and `end` are days in Oslo."""
    from pb.proposals.forms import midnight_utc

    query = select(Story).where(Story.group_id.in_(group_ids), Story.status == "published")
    if visibilities is not None:
        query = query.where(Story.visibility.in_(visibilities))
    if start is not None:
        query = query.where(Story.published_at >= midnight_utc(start))
    if end is not None:
        query = query.where(Story.published_at < midnight_utc(end + timedelta(days=1)))
    query = query.order_by(Story.published_at.desc(), Story.id.desc())
    if limit is not None:
        query = query.limit(limit)
    # The translations in the same statement: the pages that list stories are main pages.
    query = query.options(joinedload(Story.translations))
    return list(db.session.scalars(query).unique())


def translation_for(story: Story, locale: str) -> StoryTranslation | None:
    """The story in the reader's language, when a peer consultant has written one."""
    if story.language == locale:
        return None
    return next((t for t in story.translations if t.language == locale), None)


def shared_photos(group_ids: list[int], consents, start=None, end=None, limit: int = 24):
    """Photos from activities whose people agreed to be shown this widely, newest first."""
    query = (
        select(ActivityPhoto)
        .join(Activity, Activity.id == ActivityPhoto.activity_id)
        .join(Project, Project.id == Activity.project_id)
        .where(Project.group_id.in_(group_ids), ActivityPhoto.consent.in_(consents))
    )
    if start is not None:
        query = query.where(Activity.happened_on >= start)
    if end is not None:
        query = query.where(Activity.happened_on <= end)
    order = (Activity.happened_on.desc(), ActivityPhoto.id.desc())
    # The gallery names each photo's project, and the consent check reads its group.
    loads = (
        joinedload(ActivityPhoto.activity).joinedload(Activity.project).joinedload(Project.group)
    )
    return list(db.session.scalars(query.options(loads).order_by(*order).limit(limit)))
