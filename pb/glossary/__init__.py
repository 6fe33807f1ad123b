"""The words users meet: the glossary of key terms, the "About the translations" page, and
members' reports of a wrong word, which the programme lead reads."""

from flask import Blueprint

bp = Blueprint("glossary", __name__)

from pb.glossary import personal_data, views  # noqa: E402, F401

bp.add_url_rule("/translations", view_func=views.about, methods=["GET", "POST"])
bp.add_url_rule("/translations/reports", view_func=views.reports)
