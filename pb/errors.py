"""The one shape of a refusal by a domain rule: a code naming the rule, and its message in the
reader's language. Each domain subclasses it with its own MESSAGES."""

from collections.abc import Mapping

from pb.i18n import fill


class RuleRefused(Exception):
    """A rule refused the action; `code` names it, and `messages` holds its translated text."""

    messages: Mapping = {}

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def message(self) -> str:
        """The reason in the reader's language (call it inside a request)."""
        return fill(str(self.messages[self.code]), self.params)
