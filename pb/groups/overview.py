"""What a group page leads with: what waits for this person now, from every domain.

Each domain registers a function that looks at the group for one person and returns the things
waiting for them (a moderation queue, payouts to decide, bookings to hand over). The group page
shows them first, above everything else, so a person sees what needs them without searching the
tabs. This module imports no domain; each domain registers itself here.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Waiting:
    """Something waiting for the person: `text` already says how many, `url` leads to it."""

    text: str
    url: str
    count: int
    icon: str = "alert"


_providers: list[tuple[str, Callable]] = []


def register_waiting(name: str, provider: Callable) -> None:
    """`provider(access, user)` returns a list of Waiting; an empty list when nothing waits."""
    if name not in {n for n, _ in _providers}:
        _providers.append((name, provider))


def waiting_for(access, user) -> list[Waiting]:
    items: list[Waiting] = []
    for _name, provider in _providers:
        items.extend(item for item in provider(access, user) if item.count)
    return items
