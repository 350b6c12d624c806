"""GraphQL errors with ``extensions.code``, as clients of Twenty (and Apollo) expect.

Resolvers raise the domain's own exceptions (RecordValidationError, RecordNotFoundError,
QueryValueError); this module is the one place that turns them into GraphQL errors,
so no resolver formats errors and no internal detail leaks from an unexpected one.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError

from crm.query.ast import QuerySyntaxError
from crm.query.compile import QueryValueError
from crm.query.record_queries import RecordNotFoundError, UnknownObjectError
from crm.services.fields import FieldNotFoundError
from crm.services.input_errors import InvalidInput

logger = logging.getLogger(__name__)

BAD_USER_INPUT = "BAD_USER_INPUT"
NOT_FOUND = "NOT_FOUND"
FORBIDDEN = "FORBIDDEN"
UNAUTHENTICATED = "UNAUTHENTICATED"
TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
INTERNAL = "INTERNAL_SERVER_ERROR"


class ForbiddenError(Exception):
    """The key may not do this (a read-only key running a mutation, say)."""


class UserInputError(Exception):
    """A request the client can fix; the message says how, ``errors`` (if any) which
    input field has which problem."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors


def error_body(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    """A response body holding one error, for failures before execution starts."""
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


def format_error(error: GraphQLError, default_code: str = INTERNAL) -> dict[str, Any]:
    original = error.original_error
    extensions: dict[str, Any] = dict(error.extensions or {})
    message = error.message
    if original is None or isinstance(original, GraphQLError):
        extensions.setdefault("code", default_code)
    elif isinstance(original, InvalidInput):
        message = getattr(original, "graphql_message", message)
        extensions["code"] = BAD_USER_INPUT
        extensions["fieldErrors"] = original.errors
        extensions.update(getattr(original, "graphql_extensions", {}))
    elif isinstance(original, QueryValueError | QuerySyntaxError | UserInputError):
        extensions["code"] = BAD_USER_INPUT
        if getattr(original, "errors", None):
            extensions["fieldErrors"] = original.errors
        extensions.update(getattr(original, "graphql_extensions", {}))
    elif isinstance(original, RecordNotFoundError):
        # Twenty's words, which its clients compare; which record it was stays beside them.
        message = original.twenty_message
        extensions.update(code=NOT_FOUND, detail=str(original))
    elif isinstance(original, UnknownObjectError | FieldNotFoundError):
        extensions["code"] = NOT_FOUND
    elif isinstance(original, ForbiddenError):
        extensions["code"] = FORBIDDEN
    else:
        logger.error("GraphQL resolver failed", exc_info=original)
        message = "Internal server error"
        extensions = {"code": INTERNAL}
    formatted: dict[str, Any] = {"message": message}
    if error.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        formatted["path"] = error.path
    formatted["extensions"] = extensions
    return formatted
