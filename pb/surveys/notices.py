"""What surveys tell people, through the one notify() every domain uses."""

from flask_babel import lazy_gettext as _l

from pb.notifications.services import register_kind

register_kind(
    "survey.opened",
    _l(
        "A short survey is open until %(last_day)s. It takes a minute, and nobody can see "
        "what you answer."
    ),
)
