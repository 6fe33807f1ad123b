"""What projects hold about a person, for their export, and what deleting the account erases:
their stories (with photos and translations), the projects they lead, and their name on the
activities they logged. The activities stay: they are the group's record, heads without names."""

from sqlalchemy import delete, select, update

from pb import privacy
from pb.extensions import db
from pb.projects.models import Activity, Project, ProjectLeader, Story, StoryTranslation
from pb.projects.services import PHOTO_FOLDER
from pb.proposals import photos


def _export(user) -> dict:
    stories = db.session.scalars(
        select(Story).where(Story.author_id == user.id).order_by(Story.id)
    ).all()
    leads = db.session.scalars(
        select(Project).join(ProjectLeader).where(ProjectLeader.user_id == user.id)
    ).all()
    logged = db.session.scalars(
        select(Activity).where(Activity.logged_by_id == user.id).order_by(Activity.id)
    ).all()
    translated = db.session.scalars(
        select(StoryTranslation).where(StoryTranslation.translated_by_id == user.id)
    ).all()
    return {
        "stories": [
            {
                "title": s.title,
                "text": s.body,
                "language": s.language,
                "who_may_read": s.visibility,
                "status": s.status,
                "has_photo": s.photo_name is not None,
                "photo_consent": s.photo_consent,
                "written": s.created_at.isoformat(),
            }
            for s in stories
        ],
        "projects_you_lead": [p.title for p in leads],
        "activities_you_logged": [
            {
                "project": a.project.title,
                "day": a.happened_on.isoformat(),
                "kind": a.kind,
                "place": a.place,
                "note": a.note,
            }
            for a in logged
        ],
        "translations_you_wrote": [
            {"language": t.language, "title": t.title, "text": t.body} for t in translated
        ],
    }


def _erase(erasure: privacy.Erasure) -> None:
    user_id = erasure.user.id
    names: list[str | None] = []
    for story in db.session.scalars(select(Story).where(Story.author_id == user_id)):
        erasure.blanked(story.title, story.body)
        erasure.blanked(
            *(t.title for t in story.translations), *(t.body for t in story.translations)
        )
        names += [story.photo_name, story.thumbnail_name]
        db.session.delete(story)
    # Their translations of other people's stories are their words too.
    for translation in db.session.scalars(
        select(StoryTranslation).where(StoryTranslation.translated_by_id == user_id)
    ):
        erasure.blanked(translation.title, translation.body)
        db.session.delete(translation)
    for story in db.session.scalars(select(Story).where(Story.decided_by_id == user_id)):
        erasure.blanked(story.decline_reason)
        story.decline_reason, story.decided_by_id = "", None
    db.session.execute(delete(ProjectLeader).where(ProjectLeader.user_id == user_id))
    # The activities stay as the group's record (heads, hours, cost); the note they wrote goes.
    for activity in db.session.scalars(select(Activity).where(Activity.logged_by_id == user_id)):
        erasure.blanked(activity.note)
        activity.note, activity.logged_by_id = "", None
    db.session.execute(
        update(Project).where(Project.created_by_id == user_id).values(created_by_id=None)
    )
    db.session.flush()
    photos.remove_photo(*names, kind=PHOTO_FOLDER)


privacy.register_exporter("projects", _export)
privacy.register_eraser("projects", _erase, order=46)
