"""Who may see and do what with projects, activities, photos and stories: the one place these
rules live. Anything outside the reader's group is "not found" (404)."""

from pb.groups.access import GroupAccess, found_in, programme_role, require
from pb.projects.models import PHOTO_CONSENTS, Activity, ActivityPhoto, Project, Story

# How far a photo or story may travel, narrowest first: each level also sees the ones before.
AUDIENCES = ("leaders", "group", "programme", "public")


def project_in_group(access: GroupAccess, project_id: int) -> Project:
    return found_in(Project, project_id, group_id=access.group.id)


def activity_of_project(project: Project, activity_id: int) -> Activity:
    return found_in(Activity, activity_id, project_id=project.id)


def photo_of_activity(activity: Activity, photo_id: int) -> ActivityPhoto:
    return found_in(ActivityPhoto, photo_id, activity_id=activity.id)


def story_in_group(access: GroupAccess, story_id: int) -> Story:
    story = found_in(Story, story_id, group_id=access.group.id)
    require(may_read_story(access, story))
    return story


def may_start_project(access: GroupAccess) -> bool:
    """Peer consultants (every kind) and staff start projects."""
    return access.can_moderate


def is_leader(project: Project, user) -> bool:
    """A leader who is still a peer consultant or staff in the group: one made a plain member
    again keeps their name on the project, not its rights."""
    if user is None or user.id not in project.leader_ids:
        return False
    return any(
        m.group_id == project.group_id and m.role in ("peer", "staff") for m in user.memberships
    )


def may_edit_project(access: GroupAccess, project: Project, user) -> bool:
    return access.can_manage or is_leader(project, user)


def may_log_activity(access: GroupAccess, project: Project, user) -> bool:
    """The leaders keep the log; staff may correct it."""
    return access.can_manage or is_leader(project, user)


def in_programme(user, programme_id: int) -> bool:
    """Anyone with a place in one of the programme's groups, or a role in the programme."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if programme_role(user, programme_id) is not None:
        return True
    return any(m.group.programme_id == programme_id for m in user.memberships)


def reader_audience(user, project: Project | None, group_id: int, programme_id: int) -> int:
    """How far in AUDIENCES this reader reaches for things of this group (an index)."""
    if project is not None and is_leader(project, user):
        return 0
    if user is not None and getattr(user, "is_authenticated", False):
        if any(m.group_id == group_id for m in user.memberships):
            return 1
        if programme_role(user, programme_id) == "lead":
            return 1
        if in_programme(user, programme_id):
            return 2
    return 3


def consent_reaches(consent: str, audience: int) -> bool:
    """A photo whose people agreed to `consent` may be shown to a reader at `audience`."""
    return PHOTO_CONSENTS.index(consent) >= audience


def photo_visible(photo: ActivityPhoto, user) -> bool:
    project = photo.activity.project
    audience = reader_audience(user, project, project.group_id, project.group.programme_id)
    return consent_reaches(photo.consent, audience)


def may_moderate_story(access: GroupAccess) -> bool:
    return access.can_moderate


def is_author(story: Story, user) -> bool:
    return user is not None and story.author_id is not None and story.author_id == user.id


def may_read_story(access: GroupAccess, story: Story) -> bool:
    """Inside the group: a published story, or one's own, or any for a moderator."""
    from flask_login import current_user

    return story.status == "published" or is_author(story, current_user) or access.can_moderate


def story_reaches(story: Story, user) -> bool:
    """A published story outside its group's pages (the programme's story pages)."""
    if story.status != "published":
        return False
    audience = reader_audience(user, None, story.group_id, story.group.programme_id)
    return AUDIENCES.index(story.visibility) >= audience


def story_photo_visible(story: Story, user, *, inside_group: bool) -> bool:
    """The story's photo goes no further than the story, nor than its people agreed to."""
    if story.photo_name is None or story.photo_consent is None:
        return False
    audience = reader_audience(user, None, story.group_id, story.group.programme_id)
    if is_author(story, user):
        audience = 0
    reach = min(AUDIENCES.index(story.visibility), PHOTO_CONSENTS.index(story.photo_consent))
    if story.photo_consent == "none":
        # Nobody agreed to be shown: only the author and the group's moderators see it.
        return audience == 0 or (inside_group and _moderates(user, story.group_id))
    return reach >= audience or (inside_group and _moderates(user, story.group_id))


def _moderates(user, group_id: int) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return any(m.group_id == group_id and m.role in ("peer", "staff") for m in user.memberships)
