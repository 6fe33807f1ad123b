from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.timeutil import utcnow

PROJECT_STATUSES = ("planned", "running", "finished")
ACTIVITY_KINDS = ("meal", "trip", "course", "meeting", "mediation", "sport", "other")
# Who may see a photo of people. "none": the people in it did not agree to be shown, so only the
# project's leaders see it. The others widen step by step.
PHOTO_CONSENTS = ("none", "group", "programme", "public")
# Who may read a story: the author's own choice.
STORY_VISIBILITIES = ("group", "programme", "public")
STORY_STATUSES = ("submitted", "published", "declined", "withdrawn")
# The kinds of peer work recorded on a peer consultant's membership. Labels only: every kind has
# the peer consultant's rights (pb/groups/access.py).
PEER_KINDS = ("paid", "volunteer", "youth_mediator", "street_mediator")

TITLE_MAX = 120
GOAL_MAX = 2000
PLACE_MAX = 120
NOTE_MAX = 500
STORY_MAX = 1500
# Head counts of one activity, and its volunteer hours: generous, but a typo of 10000 is caught.
HEADS_MAX = 1000
HOURS_MAX = 1000


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Project(db.Model):
    """Work that peers lead in a group: mediators, dinners, trips. Goals as in the allocation
    letters, so a report can put what was recorded beside what was meant."""

    __tablename__ = "project"
    __table_args__ = (
        CheckConstraint(_in("status", PROJECT_STATUSES), name="status"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    goal: Mapped[str] = mapped_column(Text, default="")
    result_goals: Mapped[str] = mapped_column(Text, default="")
    effect_goals: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="planned")
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group = relationship("Group")
    leaders = relationship(
        "ProjectLeader", back_populates="project", cascade="all, delete-orphan", lazy="selectin"
    )
    funding = relationship(
        "ProjectPayout", back_populates="project", cascade="all, delete-orphan", lazy="selectin"
    )
    activities = relationship(
        "Activity",
        back_populates="project",
        order_by="(Activity.happened_on.desc(), Activity.id.desc())",
        cascade="all, delete-orphan",
    )

    @property
    def leader_ids(self) -> set[int]:
        return {leader.user_id for leader in self.leaders}


class ProjectLeader(db.Model):
    __tablename__ = "project_leader"

    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)

    project = relationship("Project", back_populates="leaders")
    user = relationship("User")


class ProjectPayout(db.Model):
    """A payout that funds the project (the dinners' food, the boat)."""

    __tablename__ = "project_payout"

    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), primary_key=True)
    payout_id: Mapped[int] = mapped_column(ForeignKey("payout_request.id"), primary_key=True)

    project = relationship("Project", back_populates="funding")
    payout = relationship("PayoutRequest")


class Activity(db.Model):
    """One thing that happened: heads counted, never named."""

    __tablename__ = "activity"
    __table_args__ = (
        CheckConstraint(_in("kind", ACTIVITY_KINDS), name="kind"),
        CheckConstraint(
            f"adults BETWEEN 0 AND {HEADS_MAX} AND youth BETWEEN 0 AND {HEADS_MAX}"
            f" AND children BETWEEN 0 AND {HEADS_MAX}",
            name="heads",
        ),
        CheckConstraint(
            f"volunteer_minutes BETWEEN 0 AND {HOURS_MAX * 60}", name="volunteer_minutes"
        ),
        CheckConstraint("cost_ore >= 0", name="cost_not_negative"),
        Index("ix_activity_project_day", "project_id", "happened_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    happened_on: Mapped[date]
    kind: Mapped[str] = mapped_column(String(12))
    place: Mapped[str] = mapped_column(String(PLACE_MAX), default="")
    adults: Mapped[int] = mapped_column(default=0)
    youth: Mapped[int] = mapped_column(default=0)
    children: Mapped[int] = mapped_column(default=0)
    volunteer_minutes: Mapped[int] = mapped_column(default=0)
    cost_ore: Mapped[int] = mapped_column(BigInteger, default=0)
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("payout_request.id"))
    note: Mapped[str] = mapped_column(String(NOTE_MAX), default="")
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project = relationship("Project", back_populates="activities")
    payout = relationship("PayoutRequest")
    photos = relationship(
        "ActivityPhoto",
        back_populates="activity",
        order_by="ActivityPhoto.id",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    @property
    def heads(self) -> int:
        return self.adults + self.youth + self.children

    @property
    def volunteer_hours(self) -> float:
        return self.volunteer_minutes / 60


class ActivityPhoto(db.Model):
    __tablename__ = "activity_photo"
    __table_args__ = (CheckConstraint(_in("consent", PHOTO_CONSENTS), name="consent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), index=True)
    photo_name: Mapped[str] = mapped_column(String(80))
    thumbnail_name: Mapped[str] = mapped_column(String(80))
    consent: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    activity = relationship("Activity", back_populates="photos")


class Story(db.Model):
    """A member's short story of change, in their own language, moderated before anyone sees it."""

    __tablename__ = "story"
    __table_args__ = (
        CheckConstraint(_in("visibility", STORY_VISIBILITIES), name="visibility"),
        CheckConstraint(_in("status", STORY_STATUSES), name="status"),
        CheckConstraint(
            "photo_consent IS NULL OR " + _in("photo_consent", PHOTO_CONSENTS),
            name="photo_consent",
        ),
        Index("ix_story_group_status", "group_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(10))
    visibility: Mapped[str] = mapped_column(String(10))
    photo_name: Mapped[str | None] = mapped_column(String(80))
    thumbnail_name: Mapped[str | None] = mapped_column(String(80))
    photo_consent: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="submitted")
    decline_reason: Mapped[str] = mapped_column(String(NOTE_MAX), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    group = relationship("Group")
    project = relationship("Project")
    author = relationship("User", foreign_keys=[author_id])
    translations = relationship(
        "StoryTranslation",
        back_populates="story",
        order_by="StoryTranslation.language",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class StoryTranslation(db.Model):
    __tablename__ = "story_translation"
    __table_args__ = (db.UniqueConstraint("story_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("story.id"))
    language: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    body: Mapped[str] = mapped_column(Text)
    translated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    story = relationship("Story", back_populates="translations")
