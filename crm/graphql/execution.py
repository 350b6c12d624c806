"""Running one GraphQL request against a prepared schema.

Parsing and validating a document costs more than executing a small query, and
clients send the same few documents again and again, so each schema keeps the
outcome per document text. The limit rules (crm.graphql.limits) run first and
alone, before graphql-core's rules; when the request has variables they run per
request, because page sizes may come from the variables.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    ValidationRule,
    execute,
    parse,
    specified_rules,
    validate,
)
from graphql.utilities import get_operation_ast

from crm.graphql.boolean_answers import answer_true, select_where_nothing_is
from crm.graphql.errors import BAD_USER_INPUT, PARSE_FAILED, VALIDATION_FAILED, format_error
from crm.graphql.fast_execution import FastExecutionContext
from crm.graphql.limits import (
    LIMIT_RULES,
    STATIC_LIMIT_RULES,
    VARIABLE_LIMIT_RULES,
    current_variables,
    page_size_variables,
)
from crm.metadata.schema import CompiledObject, WorkspaceSchema

MAX_TOKENS = 20_000
MAX_DOCUMENTS = 500
MAX_LIMIT_OUTCOMES = 32


@dataclass
class Prepared:
    """A document checked against the schema; ``errors`` are request errors (HTTP 400)."""

    document: DocumentNode | None
    errors: list[dict[str, Any]]
    needs_limit_check: bool = False
    # Variables that set page sizes: the only ones the per-request limit checks read.
    page_variables: tuple[str, ...] = ()
    # Outcome of those checks per page-size values seen (usually one entry).
    limit_outcomes: dict[tuple[Any, ...], list[dict[str, Any]]] = field(default_factory=dict)
    # Response keys answered ``true`` in place of an object (crm.graphql.boolean_answers).
    true_keys: tuple[str, ...] = ()

    def limit_errors(self, schema: PreparedSchema, variables: dict[str, Any] | None) -> list[dict[str, Any]]:
        values = variables or {}
        key = tuple(repr(values.get(name)) for name in self.page_variables)
        errors = self.limit_outcomes.get(key)
        if errors is None:
            assert self.document is not None
            errors = schema.check_limits(self.document, values, VARIABLE_LIMIT_RULES)
            if len(self.limit_outcomes) >= MAX_LIMIT_OUTCOMES:
                self.limit_outcomes.clear()
            self.limit_outcomes[key] = errors
        return errors


class PreparedSchema:
    """A GraphQL schema with its cache of validated documents."""

    def __init__(
        self,
        schema: GraphQLSchema,
        *,
        workspace_schema: WorkspaceSchema | None = None,
        objects_by_type: dict[str, CompiledObject] | None = None,
        boolean_answers: frozenset[str] = frozenset(),
    ) -> None:
        self.schema = schema
        # Mutations Twenty's earlier API answered with true (crm.graphql.boolean_answers).
        self.boolean_answers = boolean_answers
        self.workspace_schema = workspace_schema
        self.objects_by_type = objects_by_type or {}
        self._documents: OrderedDict[str, Prepared] = OrderedDict()
        self._lock = threading.Lock()

    def prepare(self, query: str, variables: dict[str, Any] | None) -> Prepared:
        prepared = self._documents.get(query)
        if prepared is None:
            prepared = self._prepare(query)
            with self._lock:
                self._documents[query] = prepared
                if len(self._documents) > MAX_DOCUMENTS:
                    self._documents.popitem(last=False)
        if prepared.needs_limit_check:
            errors = prepared.limit_errors(self, variables)
            if errors:
                return Prepared(None, errors)
        return prepared

    def _prepare(self, query: str) -> Prepared:
        try:
            document = parse(query, max_tokens=MAX_TOKENS)
        except GraphQLError as error:
            return Prepared(None, [format_error(error, PARSE_FAILED)])
        except RecursionError:
            return Prepared(
                None, [{"message": "The query is nested too deeply.", "extensions": {"code": PARSE_FAILED}}]
            )
        has_variables = any(
            isinstance(d, OperationDefinitionNode) and d.variable_definitions for d in document.definitions
        )
        errors = self.check_limits(document, None, LIMIT_RULES if not has_variables else STATIC_LIMIT_RULES)
        if errors:
            return Prepared(None, errors)
        true_keys = select_where_nothing_is(document, self.boolean_answers) if self.boolean_answers else ()
        errors = [format_error(e, VALIDATION_FAILED) for e in validate(self.schema, document, specified_rules)]
        if errors:
            return Prepared(None, errors)
        return Prepared(
            document,
            [],
            needs_limit_check=has_variables,
            page_variables=page_size_variables(document),
            true_keys=true_keys,
        )

    def check_limits(
        self, document: DocumentNode, variables: dict[str, Any] | None, rules: tuple[type[ValidationRule], ...]
    ) -> list[dict[str, Any]]:
        token = current_variables.set(variables or {})
        try:
            return [format_error(e, VALIDATION_FAILED) for e in validate(self.schema, document, rules)]
        finally:
            current_variables.reset(token)

    def run(
        self,
        prepared: Prepared,
        *,
        context: Any,
        variables: dict[str, Any] | None,
        operation_name: str | None,
    ) -> ExecutionResult:
        assert prepared.document is not None
        try:
            result: ExecutionResult = execute(  # type: ignore[assignment]
                self.schema,
                prepared.document,
                context_value=context,
                variable_values=variables,
                operation_name=operation_name,
                execution_context_class=FastExecutionContext,
            )
        except RecursionError:
            # Input limits keep real requests far from this; answer clearly rather than fail.
            error = GraphQLError("The request is nested too deeply.", extensions={"code": BAD_USER_INPUT})
            return ExecutionResult(None, [error])
        answer_true(result.data, prepared.true_keys)
        return result


def operation_type(document: DocumentNode, operation_name: str | None) -> OperationType | None:
    operation = get_operation_ast(document, operation_name)
    return operation.operation if operation is not None else None
