"""Domain errors the views turn into clear messages."""

from __future__ import annotations


class DomainError(Exception):
    """A use case could not go ahead; ``message`` is for the person who tried (already translated)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    """Someone else changed the same thing first."""


class FieldError(DomainError):
    """Input a form should have caught; ``field`` names the form field the message belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
