"""A member's word reports: in their export, and gone with their account."""

from sqlalchemy import delete, select

from pb import privacy
from pb.extensions import db
from pb.glossary.models import WordReport


def _export(user) -> list[dict]:
    reports = db.session.scalars(select(WordReport).where(WordReport.reporter_id == user.id))
    return [
        {"language": r.language, "word": r.word, "better": r.better, "at": r.created_at.isoformat()}
        for r in reports
    ]


def _erase(erasure: privacy.Erasure) -> None:
    for report in db.session.scalars(
        select(WordReport).where(WordReport.reporter_id == erasure.user.id)
    ):
        erasure.blanked(report.word, report.better)
    db.session.execute(delete(WordReport).where(WordReport.reporter_id == erasure.user.id))


privacy.register_exporter("word_reports", _export)
privacy.register_eraser("word_reports", _erase, order=50)
