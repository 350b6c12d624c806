"""Validation rules that keep any single request cheap.

They run before graphql-core's own rules (some of which are quadratic in the
number of fields), so a hostile document is refused after one linear pass:

- depth: at most ``MAX_DEPTH`` nested fields (introspection is exempt, GraphiQL needs it);
- aliases: at most ``MAX_ALIASES`` per document;
- fields: at most ``MAX_FIELDS`` field selections per document;
- page size: ``first``/``last`` between 0 and ``MAX_PAGE_SIZE``;
- complexity: fields weighted by how many times they would be resolved (a field
  under ``people(first: 50)`` counts 50 times), at most ``MAX_COMPLEXITY``.

Fragments are expanded with memoization, so a chain of fragments that each spread
the next twice costs linear time to analyse and is refused for its size.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    Visitor,
    get_named_type,
    visit,
)

from crm.graphql.errors import VALIDATION_FAILED
from crm.query.listing import DEFAULT_LIMIT, MAX_LIMIT

MAX_DEPTH = 10
MAX_ALIASES = 100
MAX_FIELDS = 500
# Twenty's front end lists 60 companies with all their fields and 60 people and 60
# opportunities of each (about 200,000 fields); this leaves room for custom fields.
MAX_COMPLEXITY = 500_000
MAX_PAGE_SIZE = MAX_LIMIT
# Nesting of input values (filters nest through and/or/not): deep enough for any real filter.
MAX_INPUT_DEPTH = 20
PAGE_ARGUMENTS = ("first", "last")

# Variable values of the request being validated: page sizes often come from variables.
current_variables: ContextVar[dict[str, Any] | None] = ContextVar("graphql_variables", default=None)


@dataclass
class Shape:
    """What a document would cost: deepest nesting and weighted field count, per operation."""

    depth: dict[str, tuple[int, OperationDefinitionNode]] = field(default_factory=dict)
    complexity: dict[str, tuple[int, OperationDefinitionNode]] = field(default_factory=dict)


class _Analysis:
    def __init__(self, context: ValidationContext, document: DocumentNode) -> None:
        self.schema = context.schema
        self.variables = current_variables.get() or {}
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.memo: dict[str, tuple[int, int]] = {}
        self.active: set[str] = set()
        self.shape = Shape()
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                root = self.schema.get_root_type(definition.operation)
                depth, cost = self.selection_set(definition.selection_set, root)
                name = definition.name.value if definition.name else ""
                self.shape.depth[name] = (depth, definition)
                self.shape.complexity[name] = (cost, definition)

    def selection_set(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None) -> tuple[int, int]:
        if selection_set is None:
            return 0, 0
        depth = cost = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name.startswith("__"):
                    continue
                fields = parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
                definition = fields.get(name)
                child = get_named_type(definition.type) if definition else None
                sub_depth, sub_cost = self.selection_set(selection.selection_set, child)
                depth = max(depth, 1 + sub_depth)
                cost += 1 + self.multiplier(selection, definition) * sub_cost
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                sub_depth, sub_cost = self.selection_set(selection.selection_set, target)
                depth, cost = max(depth, sub_depth), cost + sub_cost
            elif isinstance(selection, FragmentSpreadNode):
                sub_depth, sub_cost = self.fragment(selection.name.value)
                depth, cost = max(depth, sub_depth), cost + sub_cost
        return depth, cost

    def fragment(self, name: str) -> tuple[int, int]:
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.active:
            return 0, 0  # unknown fragments and cycles are reported by graphql-core's rules
        self.active.add(name)
        result = self.selection_set(
            definition.selection_set, self.schema.get_type(definition.type_condition.name.value)
        )
        self.active.discard(name)
        self.memo[name] = result
        return result

    def multiplier(self, node: FieldNode, definition: Any) -> int:
        """How many times the sub-selection of this field would be resolved, at most."""
        if definition is None:
            return 1
        if any(arg in definition.args for arg in PAGE_ARGUMENTS):
            sizes = [self.page_size(node, arg) for arg in PAGE_ARGUMENTS]
            given = [size for size in sizes if size is not None]
            return max(given) if given else DEFAULT_LIMIT
        field_type = definition.type.of_type if isinstance(definition.type, GraphQLNonNull) else definition.type
        if isinstance(field_type, GraphQLList) and node.name.value != "edges":
            return DEFAULT_LIMIT
        return 1

    def page_size(self, node: FieldNode, name: str) -> int | None:
        argument = next((a for a in node.arguments if a.name.value == name), None)
        if argument is None:
            return None
        value: Any = None
        if isinstance(argument.value, IntValueNode):
            value = int(argument.value.value)
        elif isinstance(argument.value, VariableNode):
            value = self.variables.get(argument.value.name.value)
        if not isinstance(value, int) or isinstance(value, bool):
            return MAX_PAGE_SIZE if isinstance(argument.value, VariableNode) and value is None else None
        # A larger page than MAX_PAGE_SIZE reads MAX_PAGE_SIZE records; a negative one is
        # refused when the list runs (crm.graphql.page_arguments), as Twenty refuses it.
        return min(max(value, 0), MAX_PAGE_SIZE)


def page_size_variables(document: DocumentNode) -> tuple[str, ...]:
    """Names of the variables given as ``first`` or ``last`` anywhere in the document."""
    names: set[str] = set()

    class Finder(Visitor):
        def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
            if node.name.value in PAGE_ARGUMENTS and isinstance(node.value, VariableNode):
                names.add(node.value.name.value)

    visit(document, Finder())
    return tuple(sorted(names))


def _shape(rule: ValidationRule, document: DocumentNode) -> Shape:
    context = rule.context
    shape = getattr(context, "_crm_shape", None)
    if shape is None:
        shape = _Analysis(context, document).shape
        context._crm_shape = shape  # type: ignore[attr-defined]
    return shape


def _error(message: str, nodes: Any) -> GraphQLError:
    return GraphQLError(message, nodes, extensions={"code": VALIDATION_FAILED})


class MaxDepthRule(ValidationRule):
    def enter_document(self, node: DocumentNode, *_args: Any) -> Any:
        for name, (depth, operation) in _shape(self, node).depth.items():
            if depth > MAX_DEPTH:
                label = f"Operation '{name}'" if name else "The query"
                self.report_error(
                    _error(f"{label} is nested {depth} levels deep; the limit is {MAX_DEPTH}.", operation)
                )
        return self.SKIP


class MaxComplexityRule(ValidationRule):
    def enter_document(self, node: DocumentNode, *_args: Any) -> Any:
        for name, (cost, operation) in _shape(self, node).complexity.items():
            if cost > MAX_COMPLEXITY:
                label = f"Operation '{name}'" if name else "The query"
                self.report_error(
                    _error(
                        f"{label} is too complex: it could resolve {cost:,} fields (page sizes multiplied); "
                        f"the limit is {MAX_COMPLEXITY:,}. Ask for smaller pages or fewer nested lists.",
                        operation,
                    )
                )
        return self.SKIP


class MaxAliasesRule(ValidationRule):
    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.aliases = 0

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.alias is not None:
            self.aliases += 1

    def leave_document(self, node: DocumentNode, *_args: Any) -> None:
        if self.aliases > MAX_ALIASES:
            self.report_error(_error(f"The query uses {self.aliases} aliases; the limit is {MAX_ALIASES}.", None))


class MaxFieldsRule(ValidationRule):
    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.fields = 0

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        self.fields += 1

    def leave_document(self, node: DocumentNode, *_args: Any) -> None:
        if self.fields > MAX_FIELDS:
            self.report_error(
                _error(f"The query selects {self.fields} fields; the limit is {MAX_FIELDS} per request.", None)
            )


class MaxInputDepthRule(ValidationRule):
    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.depth = 0
        self.reported = False

    def enter_object_value(self, node: ObjectValueNode, *_args: Any) -> None:
        self._enter(node)

    def leave_object_value(self, node: ObjectValueNode, *_args: Any) -> None:
        self.depth -= 1

    def enter_list_value(self, node: ListValueNode, *_args: Any) -> None:
        self._enter(node)

    def leave_list_value(self, node: ListValueNode, *_args: Any) -> None:
        self.depth -= 1

    def _enter(self, node: Any) -> None:
        self.depth += 1
        if self.depth > MAX_INPUT_DEPTH and not self.reported:
            self.reported = True
            self.report_error(_error(f"An argument value is nested more than {MAX_INPUT_DEPTH} levels deep.", node))


def input_depth_exceeds(value: Any, limit: int = MAX_INPUT_DEPTH) -> bool:
    """Whether a JSON value (the request's variables) nests objects and lists deeper than ``limit``."""
    stack = [(value, 0)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            children: Any = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        if depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


# Rules that depend on the document alone, and those that also read variable values.
STATIC_LIMIT_RULES: tuple[type[ValidationRule], ...] = (
    MaxAliasesRule,
    MaxFieldsRule,
    MaxDepthRule,
    MaxInputDepthRule,
)
VARIABLE_LIMIT_RULES: tuple[type[ValidationRule], ...] = (MaxComplexityRule,)
LIMIT_RULES = STATIC_LIMIT_RULES + VARIABLE_LIMIT_RULES
