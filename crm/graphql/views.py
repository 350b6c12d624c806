"""HTTP endpoints of the GraphQL APIs: ``/graphql`` (records) and ``/metadata``.

One lean function view per endpoint, no DRF: authenticate the API key, count the
request against the key's rate limit (shared with REST), read the GraphQL params
from a POST body or a GET query string, run the document and answer with orjson.
Errors are GraphQL-shaped everywhere, including 401 and 429. CSRF does not apply:
these endpoints accept API keys only, never the session cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from graphql import GraphQLError, OperationType

from crm.graphql import database_answers
from crm.graphql.context import RequestContext
from crm.graphql.core_schema import get_core_schema
from crm.graphql.errors import (
    BAD_USER_INPUT,
    FORBIDDEN,
    INTERNAL,
    TOO_MANY_REQUESTS,
    UNAUTHENTICATED,
    error_body,
    format_error,
)
from crm.graphql.execution import PreparedSchema, operation_type
from crm.graphql.limits import MAX_INPUT_DEPTH, input_depth_exceeds
from crm.graphql.metadata_schema import metadata_schema_for
from crm.models import ApiKey, Workspace
from crm.services.api_access import authenticate_header_and_count
from crm.services.api_keys import ApiKeyError
from crm.services.rate_limit import RateLimitStatus

SchemaGetter = Callable[[Workspace], PreparedSchema]


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(orjson.dumps(body), status=status, content_type="application/json")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _params(request: HttpRequest) -> tuple[str, dict[str, Any] | None, str | None]:
    """query, variables and operationName from a GET query string or a POST body."""
    if request.method == "GET":
        data: Any = request.GET
        variables: Any = data.get("variables") or None
        if variables is not None:
            try:
                variables = orjson.loads(variables)
            except orjson.JSONDecodeError:
                raise BadRequest("'variables' must be a JSON object.") from None
    else:
        content_type = request.content_type or ""
        try:
            body = request.body
        except RequestDataTooBig:
            raise BadRequest("The request body is too large (1 MiB at most).", 413) from None
        if content_type == "application/graphql":
            return body.decode("utf-8", errors="replace"), None, None
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            data = request.POST
        else:
            try:
                data = orjson.loads(body) if body else {}
            except orjson.JSONDecodeError:
                raise BadRequest('The body must be JSON such as {"query": "{ people { totalCount } }"}.') from None
            if isinstance(data, list):
                raise BadRequest("Batched requests are not supported: send one operation per request.")
            if not isinstance(data, dict):
                raise BadRequest('The body must be a JSON object such as {"query": "..."}.')
        variables = data.get("variables")
        if isinstance(variables, str):
            try:
                variables = orjson.loads(variables) if variables else None
            except orjson.JSONDecodeError:
                raise BadRequest("'variables' must be a JSON object.") from None
    query = data.get("query")
    operation_name = data.get("operationName") or None
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("Send a GraphQL document in the 'query' parameter.")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("'variables' must be a JSON object.")
    if variables and input_depth_exceeds(variables, MAX_INPUT_DEPTH + 1):
        raise BadRequest(f"'variables' nest objects and lists more than {MAX_INPUT_DEPTH} levels deep.")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("'operationName' must be a string.")
    return query, variables, operation_name


def _authenticate(request: HttpRequest) -> tuple[ApiKey, RateLimitStatus]:
    return authenticate_header_and_count(request.META.get("HTTP_AUTHORIZATION"))


def graphql_response(request: HttpRequest, schema_for: SchemaGetter) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return _json(error_body("Use GET or POST.", BAD_USER_INPUT), 405, {"Allow": "GET, POST"})
    try:
        key, limit = _authenticate(request)
    except ApiKeyError as error:
        return _json(error_body(str(error), UNAUTHENTICATED), 401, {"WWW-Authenticate": 'Bearer realm="api"'})
    headers = limit.headers()
    if not limit.allowed:
        return _json(error_body(limit.message, TOO_MANY_REQUESTS), 429, headers)
    try:
        query, variables, operation_name = _params(request)
    except BadRequest as error:
        return _json(error_body(str(error), BAD_USER_INPUT), error.status, headers)
    schema = schema_for(key.workspace)
    prepared = schema.prepare(query, variables)
    if prepared.errors:
        return _json({"errors": prepared.errors}, 400, headers)
    assert prepared.document is not None
    kind = operation_type(prepared.document, operation_name)
    if kind == OperationType.MUTATION:
        if request.method == "GET":
            headers["Allow"] = "POST"
            return _json(error_body("Mutations must be sent with POST.", BAD_USER_INPUT), 405, headers)
        if key.read_only:
            message = "This API key is read-only: it can run queries but not mutations."
            return _json(error_body(message, FORBIDDEN), 403, headers)
    elif kind == OperationType.SUBSCRIPTION:
        return _json(error_body("Subscriptions are not supported.", BAD_USER_INPUT), 400, headers)
    elif kind == OperationType.QUERY and schema.workspace_schema is not None:
        data = database_answers.answer(schema, prepared.document, operation_name, variables, key.workspace)
        if data is not None:
            return _json({"data": data}, 200, headers)
    context = RequestContext(
        workspace=key.workspace,
        api_key=key,
        workspace_schema=schema.workspace_schema,  # type: ignore[arg-type]
        objects_by_type=schema.objects_by_type,
        request=request,
    )
    result = schema.run(prepared, context=context, variables=variables, operation_name=operation_name)
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [_format_execution_error(error) for error in result.errors]
        if result.data is None and all(not error.path for error in result.errors):
            # The operation never started (bad variables or operation name): no "data" entry.
            return _json(body, 400, headers)
    body["data"] = result.data
    return _json(body, 200, headers)


def _format_execution_error(error: GraphQLError) -> dict[str, Any]:
    # Errors without a path come from the request itself (variables, operation name).
    return format_error(error, INTERNAL if error.path else BAD_USER_INPUT)


@csrf_exempt
def core_graphql_view(request: HttpRequest) -> HttpResponse:
    return graphql_response(request, get_core_schema)


@csrf_exempt
def metadata_graphql_view(request: HttpRequest) -> HttpResponse:
    return graphql_response(request, metadata_schema_for)
