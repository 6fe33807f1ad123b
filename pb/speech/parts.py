"""Page parts: the regions of a page that can be read aloud, marked in the template with a stable
name (`data-speech-part="proposal-body"`; `page` is the main text of every page, in base.html).

The speech endpoint never takes text from the client. It takes the page's path and the part's
name, renders that page as the page itself would for the person asking (the same view, the same
access checks: another group's page is a 404 here as it is there), and reads the text of the
part. So it can only ever say what this person may already read.
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

from flask import current_app, request
from werkzeug.exceptions import HTTPException, NotFound

# The pages that may be read aloud: the main pages, whose GET changes nothing. (The inbox marks
# notifications as seen when it is opened, so it is not here.)
SPEAKABLE_PAGES = {
    "accounts.join",
    "accounts.login",
    "glossary.about",
    "groups.group_page",
    "groups.home",
    "lending.booking_page",
    "lending.item_page",
    "lending.items_page",
    "payouts.payout_list",
    "payouts.payout_page",
    "payouts.pot_page",
    "projects.activity_page",
    "projects.project_page",
    "projects.projects_page",
    "projects.stories_page",
    "projects.story_page",
    "proposals.proposal_page",
    "proposals.round_page",
    "proposals.rounds_page",
    "surveys.surveys_page",
    "surveys.wave_page",
    "voting.ballot",
    "voting.results",
}

# Elements whose words are not read: scripts and styles, drawings, and the menus of choices.
_SILENT = {"script", "style", "svg", "template", "select", "noscript", "textarea"}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
# After these the voice pauses, as a reader pauses at the end of a line.
_BREAKS = {
    "p",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "dt",
    "dd",
    "tr",
    "label",
    "legend",
    "button",
    "figcaption",
    "div",
    "section",
    "br",
    "td",
    "th",
    "summary",
}


def is_speakable(endpoint: str | None) -> bool:
    return endpoint in SPEAKABLE_PAGES


def part_text(path: str, part: str) -> tuple[str, str | None]:
    """The words of `part` on the page at `path`, as the current person sees it, and the
    language the part is marked with (a proposal shown in the language it was written in), if
    any. NotFound when the page is not one that is read aloud, is not theirs to see, or has no
    such part."""
    html = _render_page(path)
    found = _PartText.of(html, part)
    if found is None:
        raise NotFound()
    return found


def _render_page(path: str) -> str:
    target = urlsplit(path)
    if target.scheme or target.netloc or not target.path.startswith("/"):
        raise NotFound()
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, _values = adapter.match(target.path, method="GET")
    except HTTPException as error:
        raise NotFound() from error
    if not is_speakable(endpoint):
        raise NotFound()
    headers = {
        name: value
        for name, value in request.headers.items()
        if name in ("Cookie", "Accept-Language", "User-Agent")
    }
    with current_app.test_request_context(
        target.path,
        query_string=target.query,
        base_url=request.host_url,
        headers=headers,
        environ_base={"REMOTE_ADDR": request.remote_addr},
    ):
        page = current_app.preprocess_request()  # the locale, the second factor
        if page is None:
            try:
                page = current_app.dispatch_request()
            except HTTPException as error:
                raise NotFound() from error
        response = current_app.make_response(page)
    if response.status_code != 200 or response.mimetype != "text/html":
        raise NotFound()
    return response.get_data(as_text=True)


class _PartText(HTMLParser):
    """The text inside the element marked data-speech-part=name, without what the page hides
    (hidden, aria-hidden, data-speech-skip) or what is not words."""

    def __init__(self, part: str):
        super().__init__(convert_charrefs=True)
        self.part = part
        self.depth = 0  # open elements inside the part, the part's own included
        self.found = False
        self.language: str | None = None
        self.silent_from: int | None = None
        self.words: list[str] = []

    @classmethod
    def of(cls, html: str, part: str) -> tuple[str, str | None] | None:
        parser = cls(part)
        parser.feed(html)
        parser.close()
        if not parser.found:
            return None
        lines = (" ".join(line.split()) for line in "".join(parser.words).split("\n"))
        return "\n".join(line for line in lines if line), parser.language

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if not self.depth:
            if attributes.get("data-speech-part") == self.part and not self.found:
                self.found = True
                self.depth = 1
                self.language = attributes.get("lang")
            return
        if tag in _VOID:
            if tag == "br":
                self.words.append("\n")
            return
        self.depth += 1
        hides = (
            tag in _SILENT
            or "hidden" in attributes
            or attributes.get("aria-hidden") == "true"
            or "data-speech-skip" in attributes
        )
        if hides and self.silent_from is None:
            self.silent_from = self.depth

    def handle_endtag(self, tag):
        if not self.depth or tag in _VOID:
            return
        if self.silent_from == self.depth:
            self.silent_from = None
        self.depth -= 1
        if tag in _BREAKS and self.silent_from is None:
            self.words.append("\n")

    def handle_data(self, data):
        if self.depth and self.silent_from is None:
            self.words.append(data)
