"""The interface strings worth a peer's recording, most important first: the names of the main
actions, how each ballot works, the survey's questions and answers, and the messages people
meet most. Each is a msgid exactly as the code uses it (a test checks that every one is in the
catalog), so that a clip plays wherever its words appear."""

from dataclasses import dataclass

from flask_babel import LazyString

from pb.surveys.questions import ANSWER_NAMES, QUESTIONS
from pb.voting.forms import FORMAT_EXPLANATIONS

ESSENTIAL, HELPFUL = 1, 2


@dataclass(frozen=True)
class ClipString:
    msgid: str
    importance: int  # ESSENTIAL or HELPFUL


def msgid_of(words) -> str:
    """The msgid behind a lazily translated string, or the string itself."""
    if isinstance(words, LazyString):
        return str(words._args[0])
    return str(words)


ACTIONS = ("Vote", "Change my ballot", "New proposal", "Book", "Hand over", "Approve", "Listen")
MESSAGES = (
    "Your ballot is counted",
    "Voting is not open now.",
    "Send my answers",
    "Thank you! Your answers are counted, and nobody can see what you answered.",
    "Log in",
    "Log out",
)

IMPORTANT_STRINGS: tuple[ClipString, ...] = (
    *(ClipString(msgid, ESSENTIAL) for msgid in ACTIONS),
    *(ClipString(msgid_of(words), ESSENTIAL) for words in FORMAT_EXPLANATIONS.values()),
    *(ClipString(msgid_of(words), HELPFUL) for words in QUESTIONS.values()),
    *(ClipString(msgid_of(words), HELPFUL) for words in ANSWER_NAMES.values()),
    *(ClipString(msgid, HELPFUL) for msgid in MESSAGES),
)
IMPORTANCE = {s.msgid: s.importance for s in IMPORTANT_STRINGS}
