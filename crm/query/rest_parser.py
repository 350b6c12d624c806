"""Parse Twenty-style REST ``filter=`` and ``order_by=`` strings into query nodes.

Filter grammar (whitespace is allowed between tokens)::

    filter     := expression ("," expression)*          top-level commas mean AND
    expression := group | condition
    group      := ("and" | "or" | "not") "(" expression ("," expression)* ")"
    condition  := path "[" operator "]" ":" value
    path       := identifier ("." identifier)?           name.firstName
    value      := quoted | "[" items "]" | bare text up to the next "," or ")"
    quoted     := '"' text '"' | "'" text "'"              \" or \' inside for the quote itself;
                  an apostrophe that opens no whole quoted value is plain text

Values stay strings; the compiler coerces them using field metadata. Keywords,
operators, ``is`` values and order directions are matched case-insensitively and
normalised to their canonical spelling. Error positions are 1-based character offsets.
"""

from __future__ import annotations

import re
from typing import NoReturn

from crm.query.ast import (
    IS_VALUES,
    OPERATORS,
    ORDER_DIRECTIONS,
    And,
    Condition,
    Node,
    Not,
    Or,
    OrderBy,
    QuerySyntaxError,
)

MAX_LENGTH = 10_000
# Each group costs a few Python frames, so this keeps us far from the recursion limit.
MAX_DEPTH = 20

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_GROUPS = {"and": And, "or": Or, "not": Not}
_LIST_OPERATORS = frozenset({"in", "containsAny"})
_CANONICAL_OPERATORS = {op.lower(): op for op in OPERATORS}
_CANONICAL_DIRECTIONS = {d.lower(): d for d in ORDER_DIRECTIONS}
# Listed in error messages in the order the docs present them.
_OPERATOR_ORDER = (
    "eq",
    "neq",
    "in",
    "containsAny",
    "is",
    "gt",
    "gte",
    "lt",
    "lte",
    "startsWith",
    "endsWith",
    "like",
    "ilike",
)
_OPERATOR_LIST = ", ".join([op for op in _OPERATOR_ORDER if op in OPERATORS] + sorted(OPERATORS - set(_OPERATOR_ORDER)))
_DIRECTION_LIST = ", ".join(sorted(ORDER_DIRECTIONS))
_TWENTY_DIRECTIONS = "', '".join(sorted(ORDER_DIRECTIONS))
_EXCERPT_RADIUS = 12
_QUOTES = ('"', "'")


def parse_filter(text: str) -> Node:
    """Parse a REST ``filter`` value; several top-level conditions become one ``And``."""
    parser = _Parser(text, "filter")
    if not text.strip():
        raise QuerySyntaxError("empty filter — expected something like name.firstName[eq]:Ada")
    children = parser.expressions(closing=None)
    return children[0] if len(children) == 1 else And(tuple(children))


def parse_order_by(text: str) -> list[OrderBy]:
    """Parse ``createdAt[DescNullsLast],name.firstName``; a blank string asks for no ordering."""
    parser = _Parser(text, "order_by")
    orders: list[OrderBy] = []
    if not text.strip():
        return orders
    seen: set[tuple[str, ...]] = set()
    while True:
        start = parser.skip_ws()
        path = parser.path()
        direction = "AscNullsFirst"
        if parser.peek() == "[":
            open_at = parser.pos
            parser.pos += 1
            parser.skip_ws()
            word_at = parser.pos
            word = parser.read_until("],")
            if parser.peek() != "]":
                parser.fail(open_at, "missing ']' after the direction")
            direction = _CANONICAL_DIRECTIONS.get(word.lower(), "")
            if not direction:
                parser.fail(
                    word_at,
                    f"unknown direction {word!r}",
                    f"expected one of {_DIRECTION_LIST}",
                    twenty=f"'order_by' direction '{word}' invalid. Allowed values are '{_TWENTY_DIRECTIONS}'. "
                    "eg: ?order_by=field_1[AscNullsFirst],field_2[DescNullsLast],field_3",
                )
            parser.pos += 1
        if path in seen:
            parser.fail(start, f"field {'.'.join(path)!r} is ordered twice")
        seen.add(path)
        orders.append(OrderBy(path, direction))
        parser.skip_ws()
        if parser.at_end():
            return orders
        if parser.peek() != ",":
            parser.fail(parser.pos, f"unexpected {parser.peek()!r}", "separate order items with ','")
        parser.pos += 1


class _Parser:
    def __init__(self, text: str, what: str) -> None:
        if len(text) > MAX_LENGTH:
            raise QuerySyntaxError(f"{what} is too long ({len(text)} characters; the limit is {MAX_LENGTH})")
        self.text = text
        self.pos = 0
        self.depth = 0

    # -- low-level helpers -------------------------------------------------

    def fail(self, pos: int, what: str, hint: str | None = None, *, twenty: str | None = None) -> NoReturn:
        start, end = max(0, pos - _EXCERPT_RADIUS), min(len(self.text), pos + _EXCERPT_RADIUS)
        excerpt = ("…" if start else "") + self.text[start:end] + ("…" if end < len(self.text) else "")
        message = f"{what} at position {pos + 1} (near {excerpt!r})"
        error = QuerySyntaxError(f"{message} — {hint}" if hint else message)
        error.twenty_message = twenty
        raise error

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_ws(self) -> int:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1
        return self.pos

    def read_until(self, stops: str) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in stops:
            self.pos += 1
        return self.text[start : self.pos].strip()

    def identifier(self, expected: str) -> str:
        match = _IDENTIFIER.match(self.text, self.skip_ws())
        if not match:
            found = repr(self.peek()) if self.peek() else "end of input"
            self.fail(self.pos, f"expected {expected}, found {found}", "names use letters, digits and underscores")
        self.pos = match.end()
        return match.group()

    def path(self) -> tuple[str, ...]:
        start = self.skip_ws()
        parts = [self.identifier("a field name")]
        while self.skip_ws() < len(self.text) and self.peek() == ".":
            self.pos += 1
            parts.append(self.identifier("a sub-field name after '.'"))
        if len(parts) > 2:
            self.fail(
                start, f"field path {'.'.join(parts)!r} is too deep", "use at most one sub-field, e.g. name.firstName"
            )
        return tuple(parts)

    # -- filter grammar ----------------------------------------------------

    def expressions(self, closing: int | None) -> list[Node]:
        """Comma-separated expressions up to ``)`` (inside a group) or the end of input."""
        nodes: list[Node] = []
        while True:
            nodes.append(self.expression())
            self.skip_ws()
            char = self.peek()
            if char == ",":
                self.pos += 1
            elif char == ")" and closing is not None:
                self.pos += 1
                return nodes
            elif not char and closing is None:
                return nodes
            elif not char:
                self.fail(closing, "unclosed parenthesis opened", "add the missing ')'")
            elif char == ")":
                self.fail(self.pos, "unexpected ')' with no open parenthesis", "quote values that contain ')'")
            else:
                self.fail(self.pos, f"unexpected {char!r} after a condition", "separate conditions with ','")

    def expression(self) -> Node:
        start = self.skip_ws()
        if self.at_end() or self.peek() in ",)":
            found = repr(self.peek()) if self.peek() else "end of input"
            self.fail(
                start, f"expected a condition, found {found}", "write field[op]:value, e.g. name.firstName[eq]:Ada"
            )
        if self.peek() == "(":
            self.fail(start, "unexpected '('", "group conditions with and(...), or(...) or not(...)")
        match = _IDENTIFIER.match(self.text, start)
        if match:
            after = match.end()
            while after < len(self.text) and self.text[after].isspace():
                after += 1
            if after < len(self.text) and self.text[after] == "(":
                return self.group(match.group(), start, after)
        return self.condition()

    def group(self, keyword: str, start: int, paren: int) -> Node:
        kind = _GROUPS.get(keyword.lower())
        if kind is None:
            self.fail(start, f"unknown group {keyword!r}", "expected and(...), or(...) or not(...)")
        if self.depth >= MAX_DEPTH:
            self.fail(start, f"filter is nested too deeply (more than {MAX_DEPTH} levels)")
        self.depth += 1
        self.pos = paren + 1
        if self.skip_ws() < len(self.text) and self.peek() == ")":
            self.fail(paren, f"empty {keyword.lower()}(...)", "put at least one condition inside")
        children = self.expressions(closing=paren)
        self.depth -= 1
        if kind is Not:
            if len(children) != 1:
                self.fail(
                    start, f"not(...) takes exactly one condition, got {len(children)}", "wrap several in and(...)"
                )
            return Not(children[0])
        return kind(tuple(children))

    def condition(self) -> Condition:
        start = self.skip_ws()
        path = self.path()
        shown = ".".join(path)
        if self.skip_ws() >= len(self.text) or self.peek() != "[":
            self.fail(self.pos, f"missing operator after {shown!r}", f"write {shown}[eq]:value")
        open_at = self.pos
        self.pos += 1
        self.skip_ws()
        op_at = self.pos
        word = self.read_until("]:,()")
        if not word:
            self.fail(open_at, f"missing operator after {shown!r}", f"write {shown}[eq]:value")
        if self.peek() != "]":
            self.fail(open_at, f"missing ']' after operator {word!r}")
        op = _CANONICAL_OPERATORS.get(word.lower())
        if op is None:
            self.fail(op_at, f"unknown operator {word!r}", f"expected one of {_OPERATOR_LIST}")
        self.pos += 1
        if self.skip_ws() >= len(self.text) or self.peek() != ":":
            self.fail(self.pos, f"missing ':' after '{self.text[start : self.pos].strip()}'")
        self.pos += 1
        return Condition(path, op, self.value(op))

    def value(self, op: str) -> str | list[str]:
        start = self.skip_ws()
        if op in _LIST_OPERATORS:
            if self.peek() != "[":
                self.fail(start, f"operator {op!r} expects a list", f"write [a,b] after {op}:")
            return self.list_value()
        if self.peek() == "[":
            self.fail(start, f"operator {op!r} takes a single value, not a list", "quote values that start with '['")
        value = self.scalar(",)")
        if op == "is":
            if value.upper() not in IS_VALUES:
                self.fail(start, f"operator 'is' expects NULL or NOT_NULL, got {value!r}")
            value = value.upper()
        return value

    def scalar(self, stops: str) -> str:
        start = self.skip_ws()
        if start < len(self.text) and self.peek() in _QUOTES:
            value = self.quoted()
            self.skip_ws()
            if value is not None and (self.at_end() or self.peek() in stops):
                return value
            if self.text[start] == "'":
                # An apostrophe that opens no whole quoted value is text ('t Hooft, 'tis).
                self.pos = start
                return self.read_until(stops)
            self.fail(self.pos, f"unexpected {self.peek()!r} after a quoted value", "put the whole value in quotes")
        return self.read_until(stops)

    def quoted(self) -> str | None:
        """A value in double or single quotes (Twenty's clients send both); None when a
        single quote is never closed."""
        start = self.pos
        quote = self.text[start]
        self.pos += 1
        chars: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\" and self.text[self.pos + 1 : self.pos + 2] in (quote, "\\"):
                chars.append(self.text[self.pos + 1])
                self.pos += 2
            elif char == quote:
                self.pos += 1
                return "".join(chars)
            else:
                chars.append(char)
                self.pos += 1
        if quote == "'":
            return None
        self.fail(start, "unterminated quoted value starting", "close it with '\"' (write \\\" for a quote inside)")

    def list_value(self) -> list[str]:
        open_at = self.pos
        self.pos += 1
        items: list[str] = []
        if self.skip_ws() < len(self.text) and self.peek() == "]":
            self.pos += 1
        else:
            while True:
                item_at = self.skip_ws()
                quoted = self.peek() in _QUOTES
                item = self.scalar(",]")
                if not item and not quoted:
                    self.fail(item_at, "empty list item", 'write "" for an empty string')
                items.append(item)
                if self.at_end():
                    self.fail(open_at, "unclosed '[' opened", "end the list with ']'")
                self.pos += 1
                if self.text[self.pos - 1] == "]":
                    break
        self.skip_ws()
        if not self.at_end() and self.peek() not in ",)":
            self.fail(self.pos, f"unexpected {self.peek()!r} after a list", "separate conditions with ','")
        return items
