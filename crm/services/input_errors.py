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
