"""The translated names of phases, categories, ballot settings and reasons, in one place."""

from flask_babel import lazy_gettext as _l

PHASE_NAMES = {
    "ideas": _l("Ideas"),
    "review": _l("Review"),
    "voting": _l("Voting"),
    "results": _l("Results"),
    "followup": _l("Follow-up"),
}
CATEGORY_NAMES = {
    "driving_licence": _l("Driving licence"),
    "equipment": _l("Equipment"),
    "trip": _l("Trip or experience"),
    "shared_meal": _l("Shared meal"),
    "course": _l("Course"),
    "home": _l("Home"),
    "transport": _l("Transport"),
    "other": _l("Other"),
}
STATUS_NAMES = {
    "submitted": _l("Waiting for review"),
    "changes_requested": _l("Changes asked for"),
    "accepted": _l("On the ballot"),
    "rejected": _l("Not accepted"),
    "merged": _l("Merged"),
}
BALLOT_FORMAT_NAMES = {
    "approval": _l("Approval: tick the proposals you like"),
    "knapsack": _l("Budget: choose proposals within the amount"),
    "points": _l("Points: share out points"),
    "ranking": _l("Ranking: put proposals in order"),
}
COUNTING_RULE_NAMES = {
    "greedy": _l("Most votes first, while money lasts"),
    "mes": _l("Method of equal shares"),
    "phragmen": _l("Phragmén's method"),
}
REPORT_REASON_NAMES = {
    "offensive": _l("Offensive"),
    "personal_info": _l("Personal information"),
    "spam": _l("Spam"),
    "other": _l("Other"),
}
REJECT_REASON_NAMES = {
    "against_rules": _l("It goes against the programme's rules."),
    "not_for_group": _l("It is not something this group's money can pay for."),
    "not_possible": _l("It can't be done in this round."),
    "duplicate": _l("The same idea is already proposed."),
    "other": _l("Another reason, explained below."),
}
CASE_OUTCOME_NAMES = {
    "rejection_stands": _l("The decision stands"),
    "back_to_review": _l("Back to review"),
    "hidden": _l("Hide it"),
    "kept": _l("Keep it visible"),
}
CASE_KIND_NAMES = {"appeal": _l("Appeal"), "escalation": _l("Escalated to staff")}

TEMPLATE_LABELS = {
    "phase_names": PHASE_NAMES,
    "category_names": CATEGORY_NAMES,
    "status_names": STATUS_NAMES,
    "ballot_format_names": BALLOT_FORMAT_NAMES,
    "counting_rule_names": COUNTING_RULE_NAMES,
    "report_reason_names": REPORT_REASON_NAMES,
    "reject_reason_names": REJECT_REASON_NAMES,
    "case_outcome_names": CASE_OUTCOME_NAMES,
    "case_kind_names": CASE_KIND_NAMES,
}
