"""Peer-led projects: their activity logs with head counts and photos, and stories of change."""

from flask import Blueprint

bp = Blueprint("projects", __name__)

from pb.projects import personal_data, views, waiting  # noqa: E402, F401

PROJECTS = "/groups/<int:group_id>/projects"
PROJECT = PROJECTS + "/<int:project_id>"
ACTIVITY = PROJECT + "/activities/<int:activity_id>"
STORIES = "/groups/<int:group_id>/stories"
STORY = STORIES + "/<int:story_id>"
PHOTO = "/photo/<any(full, medium, thumb):size>"
GET_POST = ["GET", "POST"]
POST = ["POST"]

bp.add_url_rule(PROJECTS, view_func=views.projects_page)
bp.add_url_rule(PROJECTS + "/new", view_func=views.new_project, methods=GET_POST)
bp.add_url_rule(PROJECT, view_func=views.project_page)
bp.add_url_rule(PROJECT + "/edit", view_func=views.edit_project, methods=GET_POST)
bp.add_url_rule(PROJECT + "/activities/new", view_func=views.new_activity, methods=GET_POST)
bp.add_url_rule(ACTIVITY, view_func=views.activity_page)
bp.add_url_rule(ACTIVITY + "/delete", view_func=views.delete_activity, methods=POST)
bp.add_url_rule(ACTIVITY + "/photos", view_func=views.add_activity_photo, methods=POST)
bp.add_url_rule(
    ACTIVITY + "/photos/<int:photo_id>/remove", view_func=views.remove_activity_photo, methods=POST
)
bp.add_url_rule(ACTIVITY + "/photos/<int:photo_id>" + PHOTO, view_func=views.activity_photo)
bp.add_url_rule(STORIES, view_func=views.stories_page)
bp.add_url_rule(STORIES + "/new", view_func=views.new_story, methods=GET_POST)
bp.add_url_rule(STORY, view_func=views.story_page)
bp.add_url_rule(STORY + "/publish", view_func=views.publish_story, methods=POST)
bp.add_url_rule(STORY + "/decline", view_func=views.decline_story, methods=POST)
bp.add_url_rule(STORY + "/withdraw", view_func=views.withdraw_story, methods=POST)
bp.add_url_rule(STORY + "/translate", view_func=views.translate_story, methods=GET_POST)
bp.add_url_rule(STORY + PHOTO, view_func=views.story_photo)
bp.add_url_rule(
    "/groups/<int:group_id>/members/<int:user_id>/peer-kind",
    view_func=views.set_peer_kind,
    methods=POST,
)
# The programme's stories, for managers and politicians: public ones need no log-in.
bp.add_url_rule("/programmes/<int:programme_id>/stories", view_func=views.programme_stories)
bp.add_url_rule(
    "/programmes/<int:programme_id>/stories/<int:story_id>" + PHOTO,
    view_func=views.programme_story_photo,
)
bp.add_url_rule(
    "/programmes/<int:programme_id>/activity-photos/<int:photo_id>" + PHOTO,
    view_func=views.programme_activity_photo,
)


@bp.record_once
def _template_helpers(state) -> None:
    """The members page shows each peer consultant's kind of work."""
    from pb.projects.labels import PEER_KIND_NAMES

    state.app.jinja_env.globals.update(peer_kind_names=PEER_KIND_NAMES)
