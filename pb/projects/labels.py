"""The words for the projects' codes, in the reader's language."""

from flask_babel import lazy_gettext as _l

PROJECT_STATUS_NAMES = {
    "planned": _l("Planned"),
    "running": _l("Running"),
    "finished": _l("Finished"),
}
ACTIVITY_KIND_NAMES = {
    "meal": _l("Meal"),
    "trip": _l("Trip"),
    "course": _l("Course"),
    "meeting": _l("Meeting"),
    "mediation": _l("Mediation"),
    "sport": _l("Sport"),
    "other": _l("Other"),
}
PHOTO_CONSENT_NAMES = {
    "none": _l("No: only the project's leaders may see it"),
    "group": _l("Yes, to the group"),
    "programme": _l("Yes, to everyone in the programme"),
    "public": _l("Yes, to everyone, also outside the app"),
}
STORY_VISIBILITY_NAMES = {
    "group": _l("The group"),
    "programme": _l("Everyone in the programme"),
    "public": _l("Everyone, also outside the app"),
}
STORY_STATUS_NAMES = {
    "submitted": _l("Waiting for a moderator"),
    "published": _l("Published"),
    "declined": _l("Not published"),
    "withdrawn": _l("No longer shown"),
}
PEER_KIND_NAMES = {
    "paid": _l("Peer consultant (paid)"),
    "volunteer": _l("Peer consultant (volunteer)"),
    "youth_mediator": _l("Youth-to-youth mediator"),
    "street_mediator": _l("Street mediator"),
}
