# ruff: noqa: E501 - the tables are one route per line, for reading
"""The authorization matrix: every route × every role, against a scene with one of everything in
group A (tests/integration/authorization_scene.py). The expected outcome of each pair is in the
tables below; the test enumerates `app.url_map` and fails on a route missing from a table, on a
table row for a route that is gone, and on any mismatch. A refused POST must change no row.

Outcomes: a status code, or `login` (sent to the log-in page, or 401 for htmx). GET columns, in
order: anonymous, member (of group A, household A), member of another household (group A),
member of another group (B), peer consultant (A), staff (A), staff of another group (B),
programme lead. POST columns: the same people, each sending an empty form with a valid CSRF
token of their own session, route after route in the table's order (the ones that end a session
last). So for those allowed in, the outcome is mostly the form's own refusal (400, 422, or the
page again with its errors: 200); a 303 is an action taken.

Reading the GET table: the scene's payout belongs to household A, so only its member, staff and
the lead see it (peers and the other household get 404); the ballot is for the voter roll
(staff and the lead are not on it); the booking is the member's, kept by the peer; moderation,
invites and the audit log are for peers and staff; households, plans, the ledger and reports for
staff and the lead. 404 for everyone marks a route whose object the scene does not have (a
photo, a moderation case, a swap post, a clip file): it still proves the route answers no one
else's ids.
"""

from sqlalchemy import func, select

from pb.extensions import db
from tests.conftest import csrf_token
from tests.integration.authorization_scene import ROLES, build_scene, outcome, url_for_rule

REFUSED = {"login", "400", "403", "404"}
# These end the session they are sent in, so they come last; for a logged-in person, being sent
# to the log-in page is what "log out everywhere" does, not a refusal.
ENDING = ("/logout", "/account/sessions/<int:session_id>/end", "/account/sessions/end-all")

# fmt: off
EXPECTED_GET = {
    "/": "200 200 200 200 200 200 200 200",
    "/account": "login 200 200 200 200 200 200 200",
    "/account/data": "login 200 200 200 200 200 200 200",
    "/account/data.json": "login 200 200 200 200 200 200 200",
    "/account/notifications": "login 200 200 200 200 200 200 200",
    "/account/two-factor": "login 200 200 200 200 302 302 302",
    "/calendar": "login 200 200 200 200 200 200 200",
    "/calendar/<token>.ics": "404 404 404 404 404 404 404 404",
    "/clips": "login 404 404 404 200 200 200 200",
    "/clips/<int:clip_id>.mp3": "404 404 404 404 404 404 404 404",
    "/clips/coverage": "login 200 200 200 200 200 200 200",
    "/clips/review": "login 404 404 404 200 200 200 200",
    "/groups/<int:group_id>": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/audit": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/households": "login 404 404 404 404 200 404 200",
    "/groups/<int:group_id>/households/<int:household_id>": "login 404 404 404 404 200 404 200",
    "/groups/<int:group_id>/households/new": "login 404 404 404 404 200 404 200",
    "/groups/<int:group_id>/invites": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/invites/<int:invite_id>": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/invites/<int:invite_id>/qr.svg": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/items": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/items/<int:item_id>": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/items/<int:item_id>/bookings/<int:booking_id>": "login 200 404 404 200 200 404 200",
    "/groups/<int:group_id>/items/<int:item_id>/bookings/<int:booking_id>/handovers/<int:handover_id>/photo/<any(full, medium, thumb):size>": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/items/<int:item_id>/bookings/<int:booking_id>/pickup": "login 303 404 404 200 303 404 303",
    "/groups/<int:group_id>/items/<int:item_id>/bookings/<int:booking_id>/return": "login 303 404 404 200 303 404 303",
    "/groups/<int:group_id>/items/<int:item_id>/calendar": "login 302 302 404 302 302 404 302",
    "/groups/<int:group_id>/items/<int:item_id>/custodian": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/items/<int:item_id>/damage": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/items/<int:item_id>/damage/<int:report_id>/photo/<any(full, medium, thumb):size>": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/items/<int:item_id>/edit": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/items/<int:item_id>/label": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/items/<int:item_id>/label.svg": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/items/<int:item_id>/photo/<any(full, medium, thumb):size>": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/items/new": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/members": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/moderation": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/moderation/cases/<int:case_id>": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/payouts": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/payouts/<int:request_id>": "login 200 404 404 404 200 404 200",
    "/groups/<int:group_id>/payouts/<int:request_id>/receipt.jpg": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/payouts/new": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/plans/new": "login 404 404 404 404 200 404 200",
    "/groups/<int:group_id>/pot": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/pot/ledger.csv": "login 404 404 404 404 200 404 200",
    "/groups/<int:group_id>/pot/report": "login 404 404 404 404 200 404 200",
    "/groups/<int:group_id>/projects": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/projects/<int:project_id>": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/projects/<int:project_id>/activities/<int:activity_id>": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/projects/<int:project_id>/activities/<int:activity_id>/photos/<int:photo_id>/photo/<any(full, medium, thumb):size>": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/projects/<int:project_id>/activities/new": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/projects/<int:project_id>/edit": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/projects/new": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/report": "login 404 404 404 404 200 404 200",
    "/groups/<int:group_id>/report/<any(money, participation, activities, surveys, stories, goals):section>.csv": "login 404 404 404 404 200 404 200",
    "/groups/<int:group_id>/rounds": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/assist": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/ballot": "login 200 404 404 200 404 404 404",
    "/groups/<int:group_id>/rounds/<int:round_id>/count": "login 404 404 404 404 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/count/progress": "login 404 404 404 404 303 404 303",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/comments": "login 303 303 404 303 303 404 303",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/comments/<int:comment_id>/edit": "login 200 404 404 404 404 404 404",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/comments/<int:comment_id>/report": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/edit": "login 200 404 404 404 404 404 404",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/photo/<any(full, medium, thumb):size>": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/report": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/translate": "login 200 404 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/versions": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/new": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/results": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/rounds/new": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/stories": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/stories/<int:story_id>": "login 200 404 404 200 200 404 200",
    "/groups/<int:group_id>/stories/<int:story_id>/photo/<any(full, medium, thumb):size>": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/stories/<int:story_id>/translate": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/stories/new": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/surveys": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/surveys/<int:wave_id>": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/swap": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/swap/<int:post_id>": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/swap/<int:post_id>/photo/<any(full, medium, thumb):size>": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/swap/new": "login 200 200 404 200 200 404 404",
    "/healthz": "200 200 200 200 200 200 200 200",
    "/i/<string(length=6):code>": "login 404 404 404 404 404 404 404",
    "/join": "200 200 200 200 200 200 200 200",
    "/join/<code>": "404 404 404 404 404 404 404 404",
    "/join/check-username": "200 200 200 200 200 200 200 200",
    "/listen": "404 404 404 404 404 404 404 404",
    "/login": "200 302 302 302 302 302 302 302",
    "/login/code": "login login login login login login login login",
    "/notifications": "login 200 200 200 200 200 200 200",
    "/notifications/failed": "login 404 404 404 404 200 200 200",
    "/notifications/stop/<token>": "404 404 404 404 404 404 404 404",
    "/programmes/<int:programme_id>": "login 404 404 404 404 200 200 200",
    "/programmes/<int:programme_id>/activity-photos/<int:photo_id>/photo/<any(full, medium, thumb):size>": "404 404 404 404 404 404 404 404",
    "/programmes/<int:programme_id>/ledger.csv": "login 404 404 404 404 404 404 200",
    "/programmes/<int:programme_id>/pots": "login 404 404 404 404 200 200 200",
    "/programmes/<int:programme_id>/report": "login 404 404 404 404 200 200 200",
    "/programmes/<int:programme_id>/report/<any(money, participation, activities, surveys, stories, goals):section>.csv": "login 404 404 404 404 200 200 200",
    "/programmes/<int:programme_id>/stories": "200 200 200 200 200 200 200 200",
    "/programmes/<int:programme_id>/stories/<int:story_id>/photo/<any(full, medium, thumb):size>": "404 404 404 404 404 404 404 404",
    "/reset": "200 200 200 200 200 200 200 200",
    "/speech": "404 404 404 404 404 404 404 404",
    "/translations": "200 200 200 200 200 200 200 200",
    "/translations/reports": "login 404 404 404 404 404 404 200",
}

EXPECTED_POST = {
    "/account": "login 200 200 200 200 200 200 200",
    "/account/delete": "login 400 400 400 400 400 400 400",
    "/account/notifications": "login 200 200 200 200 200 200 200",
    "/account/two-factor": "login 200 200 200 200 302 302 302",
    "/calendar": "login 200 200 200 200 200 200 200",
    "/clips": "login 404 404 404 400 400 400 400",
    "/clips/<int:clip_id>/<any(approve, reject, withdraw):decision>": "login 404 404 404 303 303 303 303",
    "/groups/<int:group_id>/complaints/<int:complaint_id>/decide": "login 404 404 404 404 200 404 200",
    "/groups/<int:group_id>/households/<int:household_id>": "login 404 404 404 404 303 404 303",
    "/groups/<int:group_id>/households/new": "login 404 404 404 404 200 404 200",
    "/groups/<int:group_id>/invites": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/invites/<int:invite_id>/revoke": "login 404 404 404 303 303 404 303",
    "/groups/<int:group_id>/items/<int:item_id>/book": "login 422 422 404 422 422 404 422",
    "/groups/<int:group_id>/items/<int:item_id>/bookings/<int:booking_id>/accept": "login 404 404 404 303 303 404 303",
    "/groups/<int:group_id>/items/<int:item_id>/bookings/<int:booking_id>/cancel": "login 404 404 404 303 303 404 303",
    "/groups/<int:group_id>/items/<int:item_id>/bookings/<int:booking_id>/confirm": "login 404 404 404 303 303 404 303",
    "/groups/<int:group_id>/items/<int:item_id>/bookings/<int:booking_id>/decline": "login 404 404 404 303 303 404 303",
    "/groups/<int:group_id>/items/<int:item_id>/bookings/<int:booking_id>/decline-offer": "login 404 404 404 303 303 404 303",
    "/groups/<int:group_id>/items/<int:item_id>/bookings/<int:booking_id>/messages": "login 404 404 404 303 303 404 303",
    "/groups/<int:group_id>/items/<int:item_id>/bookings/<int:booking_id>/pickup": "login 404 404 404 200 303 404 303",
    "/groups/<int:group_id>/items/<int:item_id>/bookings/<int:booking_id>/return": "login 404 404 404 200 303 404 303",
    "/groups/<int:group_id>/items/<int:item_id>/custodian": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/items/<int:item_id>/damage": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/items/<int:item_id>/edit": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/items/<int:item_id>/waitlist": "login 422 422 404 422 422 404 422",
    "/groups/<int:group_id>/items/<int:item_id>/waitlist/<int:entry_id>/leave": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/items/new": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/items/settings": "login 404 404 404 404 303 404 303",
    "/groups/<int:group_id>/members/<int:membership_id>/reset-code": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/members/<int:membership_id>/role": "login 404 404 404 404 404 404 303",
    "/groups/<int:group_id>/members/<int:user_id>/peer-kind": "login 404 404 404 404 303 404 303",
    "/groups/<int:group_id>/moderation/cases/<int:case_id>": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/payouts/<int:request_id>/cancel": "login 404 404 404 404 200 404 200",
    "/groups/<int:group_id>/payouts/<int:request_id>/complaints": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/payouts/<int:request_id>/decide": "login 404 404 404 404 200 404 200",
    "/groups/<int:group_id>/payouts/<int:request_id>/pay": "login 404 404 404 404 303 404 303",
    "/groups/<int:group_id>/payouts/<int:request_id>/receipt": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/payouts/<int:request_id>/submit": "login 404 404 404 404 303 404 303",
    "/groups/<int:group_id>/payouts/new": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/plans/new": "login 404 404 404 404 200 404 200",
    "/groups/<int:group_id>/pot": "login 404 404 404 404 404 404 200",
    "/groups/<int:group_id>/projects/<int:project_id>/activities/<int:activity_id>/delete": "login 404 404 404 303 404 404 404",
    "/groups/<int:group_id>/projects/<int:project_id>/activities/<int:activity_id>/photos": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/projects/<int:project_id>/activities/<int:activity_id>/photos/<int:photo_id>/remove": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/projects/<int:project_id>/activities/new": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/projects/<int:project_id>/edit": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/projects/new": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/assist": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/ballot": "login 400 404 404 400 404 404 404",
    "/groups/<int:group_id>/rounds/<int:round_id>/ballot/total": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/count": "login 404 404 404 404 400 404 400",
    "/groups/<int:group_id>/rounds/<int:round_id>/phase": "login 404 404 404 303 303 404 303",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/accept": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/appeal": "login 303 404 404 404 404 404 404",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/comments": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/comments/<int:comment_id>/delete": "login 303 404 404 404 404 404 404",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/comments/<int:comment_id>/edit": "login 200 404 404 404 404 404 404",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/comments/<int:comment_id>/hide": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/comments/<int:comment_id>/report": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/comments/<int:comment_id>/restore": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/cost": "login 404 404 404 404 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/edit": "login 200 404 404 404 404 404 404",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/escalate": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/merge": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/reject": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/report": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/request-changes": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/restore": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/support": "login 303 303 404 303 303 404 303",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/<int:proposal_id>/translate": "login 200 404 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/proposals/new": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/rounds/<int:round_id>/publish": "login 404 404 404 404 303 404 303",
    "/groups/<int:group_id>/rounds/new": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/stories/<int:story_id>/decline": "login 404 404 404 303 303 404 303",
    "/groups/<int:group_id>/stories/<int:story_id>/publish": "login 404 404 404 303 303 404 303",
    "/groups/<int:group_id>/stories/<int:story_id>/translate": "login 404 404 404 200 200 404 200",
    "/groups/<int:group_id>/stories/<int:story_id>/withdraw": "login 303 404 404 303 303 404 303",
    "/groups/<int:group_id>/stories/new": "login 200 200 404 200 200 404 200",
    "/groups/<int:group_id>/surveys/<int:wave_id>/answer": "login 422 422 404 422 422 404 404",
    "/groups/<int:group_id>/surveys/<int:wave_id>/close": "login 404 404 404 303 303 404 303",
    "/groups/<int:group_id>/surveys/new": "login 404 404 404 422 422 404 422",
    "/groups/<int:group_id>/swap/<int:post_id>/handed-over": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/swap/<int:post_id>/release": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/swap/<int:post_id>/reserve": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/swap/<int:post_id>/withdraw": "login 404 404 404 404 404 404 404",
    "/groups/<int:group_id>/swap/new": "login 200 200 404 200 200 404 404",
    "/join": "200 200 200 200 200 200 200 200",
    "/join/<code>": "404 404 404 404 404 404 404 404",
    "/language": "303 303 303 303 303 303 303 303",
    "/login": "200 302 302 302 302 302 302 302",
    "/login/code": "login login login login login login login login",
    "/notifications/failed/<int:delivery_id>/resend": "login 404 404 404 404 404 404 404",
    "/notifications/stop/<token>": "404 404 404 404 404 404 404 404",
    "/programmes/<int:programme_id>": "login 404 404 404 404 404 404 200",
    "/programmes/<int:programme_id>/pots": "login 404 404 404 404 404 404 200",
    "/reset": "200 200 200 200 200 200 200 200",
    "/sms/inbound": "404 404 404 404 404 404 404 404",
    "/translations": "404 400 400 400 400 400 400 400",
    "/account/sessions/<int:session_id>/end": "login 303 404 404 404 404 404 404",
    "/account/sessions/end-all": "login login login login login login login login",
    "/logout": "login login 400 400 400 400 400 400",
}
# fmt: on


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_every_route_for_every_role(app, world):
    scene = build_scene(app, world)
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.rule in ENDING, r.rule))
    get_rules = [r for r in rules if "GET" in r.methods and r.endpoint != "static"]
    post_rules = [r for r in rules if "POST" in r.methods]
    assert sorted({r.rule for r in get_rules}) == sorted(EXPECTED_GET)
    assert sorted({r.rule for r in post_rules}) == sorted(EXPECTED_POST)

    mismatches = {}
    for rule in get_rules:
        url = url_for_rule(app, rule, scene.ids)
        seen = " ".join(outcome(scene.clients[role].get(url)) for role in ROLES)
        if seen != EXPECTED_GET[rule.rule]:
            mismatches[f"GET {rule.rule}"] = (EXPECTED_GET[rule.rule], seen)

    tokens = {
        role: csrf_token(scene.clients[role], "/login" if role == "anonymous" else "/")
        for role in ROLES
    }
    changed = []
    for rule in post_rules:
        url = url_for_rule(app, rule, scene.ids)
        seen = []
        for role in ROLES:
            before = row_counts()
            result = outcome(scene.clients[role].post(url, data={"csrf_token": tokens[role]}))
            db.session.expire_all()
            logged_out_on_purpose = rule.rule in ENDING and role != "anonymous"
            if result in REFUSED and not logged_out_on_purpose and row_counts() != before:
                changed.append((rule.rule, role, result))
            seen.append(result)
        if " ".join(seen) != EXPECTED_POST[rule.rule]:
            mismatches[f"POST {rule.rule}"] = (EXPECTED_POST[rule.rule], " ".join(seen))
    assert mismatches == {}
    assert changed == []
    pairs = len(get_rules) * len(ROLES) + len(post_rules) * len(ROLES)
    print(f"{len(get_rules)} GET routes × {len(ROLES)} roles, {len(post_rules)} POST routes ×")
    print(f"{len(ROLES)} roles: {pairs} route-role pairs checked")
