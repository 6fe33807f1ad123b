"""Small helpers every view uses: safe redirects, the full-page-or-partial rule, flashing."""

from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, url_for
from htmx_flask import request as htmx_request


def safe_next(default_endpoint: str = "groups.home", **values) -> str:
    """The `next` target if it stays on this site, else a default; no open redirects."""
    target = request.values.get("next") or ""
    parts = urlsplit(target)
    # Browsers read a backslash as a slash: "/\\evil.example" would leave the site.
    if (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not parts.netloc
    ):
        return target
    return url_for(default_endpoint, **values)


def same_site_referrer() -> str | None:
    """The page the person came from, if it is on this site: where an error page leads back."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return None
    path = referrer.path or ""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    return path + (f"?{referrer.query}" if referrer.query else "")


def redirect_next(default_endpoint: str = "groups.home", **values):
    return redirect(safe_next(default_endpoint, **values), code=303)


def render_page_or_partial(page: str, partial: str, **context):
    """One URL serves both: the whole page, or only the part htmx swaps in."""
    return render_template(partial if htmx_request.htmx else page, **context)


def see_other(endpoint: str, **values):
    """Redirect after a POST, so a reload never posts twice."""
    return redirect(url_for(endpoint, **values), code=303)


def path_for(endpoint: str, **values) -> str:
    """A page's path, also where there is no request (a scheduled job): for links in
    notifications, which are stored and followed later from the same site."""
    adapter = current_app.url_map.bind("", script_name=current_app.config.get("APPLICATION_ROOT"))
    return adapter.build(endpoint, values)


def query_budget(statements: int):
    """The most SQL statements this page may send, whatever the number of rows behind it.
    tests/integration/test_query_budgets.py holds every main page to it, and to 12 at most."""

    def mark(view):
        view.query_budget = statements
        return view

    return mark
