"""The one shape of "this input is invalid": messages per field, nothing written.

Every service that validates input raises a subclass (records, field metadata, webhook
endpoints), so each API turns all of them into its own error shape in one place: a 400
with ``messages`` over REST, ``BAD_USER_INPUT`` with ``fieldErrors`` over GraphQL.
"""

from __future__ import annotations


class InvalidInput(ValueError):
    """``errors`` maps each field (by its API name; "" for the input as a whole) to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(self.messages))

    @property
    def messages(self) -> list[str]:
        return [f"{name}: {message}" if name else message for name, msgs in self.errors.items() for message in msgs]


class TwentyWordedError(ValueError):
    """A value refused in Twenty's words, as its clients may compare them: ``str(self)``
    is Twenty's message, ``user_friendly`` the sentence its front end shows, and ``part``
    the sub-field of a composite value that holds what is wrong."""

    def __init__(self, message: str, part: str, user_friendly: str) -> None:
        super().__init__(message)
        self.part = part
        self.user_friendly = user_friendly
