"""One error tree for the core; every message is a sentence a user can act on.

JourneyMapError
 ├── NotFoundError      the thing is gone (deleted, or never existed)
 ├── ConflictError      someone changed it since you saw it; nothing was written
 ├── ValidationError    the input breaks a rule; nothing was written
 │    └── DataError     an uploaded file cannot be read as it is (also a ValueError)
 │         └── ChoiceNeeded   readable once the user picks (an encoding, day/month order)
 ├── AccessError        this person may not do that (a locked map, a facilitator's tool)
 └── StoreError         the database could not do it (unreachable, locked too long)
"""

from __future__ import annotations

from typing import Any


class JourneyMapError(Exception):
    """Base of every error the core raises on purpose."""


class NotFoundError(JourneyMapError):
    """The requested row does not exist (any more)."""


class ConflictError(JourneyMapError):
    """A stale write: the row changed since the version the user saw.

    `current` holds the row as it is now (or None when it was deleted), so the
    caller can show both the other person's text and the user's own draft.
    """

    def __init__(self, message: str, current: Any = None) -> None:
        super().__init__(message)
        self.current = current


class ValidationError(JourneyMapError):
    """Input that breaks a rule (empty name, text too long, bad image...)."""


class AccessError(JourneyMapError):
    """The person may not do this here (the map is locked, or only a facilitator may)."""


class StoreError(JourneyMapError):
    """The database failed in a way the user cannot fix by editing input."""


class DataError(ValidationError, ValueError):
    """An uploaded file that cannot be read as it is; the message says what to do."""


class ChoiceNeeded(DataError):
    """The file reads more than one way; the user picks one of `options`.

    `option` names the `load_events` keyword to set (`encoding`, `dayfirst`, ...);
    `options` maps each allowed value to a short description or a preview.
    """

    def __init__(self, message: str, option: str, options: dict) -> None:
        super().__init__(message)
        self.option = option
        self.options = options
