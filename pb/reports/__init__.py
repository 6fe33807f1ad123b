"""Reports that tell about change, for a group and for a whole programme, with a CSV per section."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from pb.reports import views  # noqa: E402

SECTION = "/<any(money, participation, activities, surveys, stories, goals):section>.csv"

bp.add_url_rule("/groups/<int:group_id>/report", view_func=views.group_report)
bp.add_url_rule("/groups/<int:group_id>/report" + SECTION, view_func=views.group_report_csv)
bp.add_url_rule("/programmes/<int:programme_id>/report", view_func=views.programme_report)
bp.add_url_rule(
    "/programmes/<int:programme_id>/report" + SECTION, view_func=views.programme_report_csv
)
