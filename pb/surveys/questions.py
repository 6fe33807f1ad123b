"""The question library: the pulse questions, drawn from the evaluation of the pilot
"Innbyggernes modell", over its five themes, and the one answer scale they share.

A question's key is stored with every wave that asked it, so a key never changes and is never
reused for other words. A question can be reworded (the key stays), or left out of THEMES so it
is no longer offered; its key must stay in QUESTIONS so that old waves still show it.
"""

from flask_babel import lazy_gettext as _l

# Theme -> the keys of its questions, in the order the "send a survey" form offers them.
THEMES = {
    "life": ("life_good", "everyday_better"),
    "matter": ("matter_group", "listened_to"),
    "trust": ("trust_services", "trust_staff"),
    "say": ("say_project", "say_money"),
    "belong": ("belong_group", "belong_place"),
}
THEME_NAMES = {
    "life": _l("Quality of life"),
    "matter": _l("Feeling that you matter"),
    "trust": _l("Trust in the services"),
    "say": _l("Say over what happens"),
    "belong": _l("Belonging"),
}
# Every question on the scale below, so each starts "To what degree".
QUESTIONS = {
    "life_good": _l("To what degree are you happy with your life these days?"),
    "everyday_better": _l("To what degree do you feel your everyday life has become better?"),
    "matter_group": _l("To what degree do you feel that you matter to others in the group?"),
    "listened_to": _l("To what degree do you feel that people listen to what you say?"),
    "trust_services": _l("To what degree do you trust the municipality's services?"),
    "trust_staff": _l("To what degree do you trust the workers you meet in the project?"),
    "say_project": _l("To what degree did you have a say in what happened in the project?"),
    "say_money": _l("To what degree did you have a say in how the money was used?"),
    "belong_group": _l("To what degree do you feel you belong in the group?"),
    "belong_place": _l("To what degree do you feel at home where you live?"),
}
# The questions a new survey starts with ticked: one from each theme.
DEFAULT_QUESTIONS = ("life_good", "matter_group", "trust_services", "say_project", "belong_group")

# The scale, from 1 (to a very small degree) to 5 (to a very large degree), and "don't know".
ANSWERS = ("1", "2", "3", "4", "5", "dont_know")
ANSWER_NAMES = {
    "1": _l("To a very small degree"),
    "2": _l("To a small degree"),
    "3": _l("To some degree"),
    "4": _l("To a large degree"),
    "5": _l("To a very large degree"),
    "dont_know": _l("Don't know"),
}
# The answers the "share answering 4 or 5" counts.
HIGH = ("4", "5")
# The most questions one survey asks: a pulse, short enough to answer on a phone.
MAX_QUESTIONS = 8


def label(key: str) -> str:
    """A question's words in the reader's language; an unknown key is shown as it is."""
    text = QUESTIONS.get(key)
    return str(text) if text is not None else key


def offered() -> list[tuple[str, list[str]]]:
    """(theme, question keys) in the form's order."""
    return [(theme, list(keys)) for theme, keys in THEMES.items()]
