from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.timeutil import utcnow

GROUP_ROLES = ("member", "peer", "staff")
PROGRAMME_ROLES = ("lead", "staff")


class Programme(db.Model):
    """A municipal programme, such as "Innbyggernes modell", that funds several groups."""

    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    groups = relationship("Group", back_populates="programme", order_by="Group.name")
    roles = relationship("ProgrammeRole", back_populates="programme")


class ProgrammeRole(db.Model):
    __tablename__ = "programme_role"
    __table_args__ = (
        UniqueConstraint("programme_id", "user_id"),
        CheckConstraint("role IN ('lead', 'staff')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    role: Mapped[str] = mapped_column(String(10))

    programme = relationship("Programme", back_populates="roles")
    user = relationship("User", back_populates="programme_roles")


class Group(db.Model):
    """A cohort or a network of families that decides together."""

    __tablename__ = "group"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # Fair share in the lending library: how many upcoming bookings of one item a household
    # may hold at once.
    lending_limit: Mapped[int] = mapped_column(default=2, server_default="2")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    programme = relationship("Programme", back_populates="groups")
    memberships = relationship("Membership", back_populates="group")
    households = relationship("Household", back_populates="group", order_by="Household.label")


class Household(db.Model):
    """The members of one family. Children are counted by birth year only; no names are stored."""

    __tablename__ = "household"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"), index=True)
    label: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group = relationship("Group", back_populates="households")
    members = relationship("Membership", back_populates="household")
    children = relationship(
        "Child",
        back_populates="household",
        order_by="Child.birth_year",
        lazy="selectin",
        cascade="all, delete-orphan",
    )


class Child(db.Model):
    __tablename__ = "child"
    __table_args__ = (CheckConstraint("birth_year BETWEEN 1990 AND 2100", name="birth_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    birth_year: Mapped[int]

    household = relationship("Household", back_populates="children")


class Membership(db.Model):
    """A person's place in one group. The role is per group: member here, peer consultant there."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("group_id", "user_id"),
        CheckConstraint("role IN ('member', 'peer', 'staff')", name="role"),
        CheckConstraint(
            "peer_kind IS NULL OR peer_kind IN"
            " ('paid', 'volunteer', 'youth_mediator', 'street_mediator')",
            name="peer_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"))
    # Every request loads the person's memberships; households are looked up for payouts.
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    role: Mapped[str] = mapped_column(String(10), default="member")
    # For a peer consultant: paid, volunteer, youth_mediator or street_mediator
    # (pb/projects/models.PEER_KINDS). A label for reports, not a permission.
    peer_kind: Mapped[str | None] = mapped_column(String(20))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    group = relationship("Group", back_populates="memberships")
    user = relationship("User", back_populates="memberships")
    household = relationship("Household", back_populates="members")


class Invite(db.Model):
    """A link or short code that lets a new person join a group, optionally into a household."""

    __tablename__ = "invite"
    __table_args__ = (CheckConstraint("role IN ('member', 'peer', 'staff')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"))
    code: Mapped[str] = mapped_column(String(16), unique=True)
    role: Mapped[str] = mapped_column(String(10), default="member")
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    max_uses: Mapped[int | None]
    use_count: Mapped[int] = mapped_column(default=0)
    revoked_at: Mapped[datetime | None]

    group = relationship("Group")
    household = relationship("Household")

    def is_usable(self, now: datetime) -> bool:
        if self.revoked_at is not None or self.expires_at <= now:
            return False
        return self.max_uses is None or self.use_count < self.max_uses
