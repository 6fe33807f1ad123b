"""CSV files for spreadsheets: cells that can't run as formulas, amounts in plain kroner, and the
download response. Every CSV export uses these."""

import csv
import io

from flask import Response


def safe_cell(text) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: neutralise free text."""
    text = str(text or "").replace("\r", " ").replace("\n", " ")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t") else text


def kroner(ore: int) -> str:
    """An amount in øre as kroner with a point and two decimals, as accounting imports read it."""
    sign = "-" if ore < 0 else ""
    whole, part = divmod(abs(ore), 100)
    return f"{sign}{whole}.{part:02d}"


def csv_text(rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue()


def csv_response(rows, filename: str) -> Response:
    return Response(
        csv_text(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
