"""Mutations Twenty's earlier API answered with a bare ``true``.

Twenty's ``deleteWebhook`` answered ``true`` (``deleteWebhook(input: {id})``, selecting
nothing) before it answered the deleted webhook; its Zapier app and its front end still
send the first form, and newer clients select the webhook's fields. A field has one type,
so both are served this way: where a document selects nothing under such a mutation,
the document is given ``{ __typename }`` there before it is validated, and the answer
``true`` in place of the object.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from graphql import DocumentNode, FieldNode, NameNode, OperationDefinitionNode, OperationType, SelectionSetNode


def select_where_nothing_is(document: DocumentNode, mutations: Collection[str]) -> tuple[str, ...]:
    """Give each top-level ``mutations`` field that selects nothing a ``__typename``
    selection; the response keys of those fields, to answer ``true`` under."""
    keys: list[str] = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode) or definition.operation != OperationType.MUTATION:
            continue
        for selection in definition.selection_set.selections:
            if isinstance(selection, FieldNode) and selection.name.value in mutations and not selection.selection_set:
                typename = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())
                selection.selection_set = SelectionSetNode(selections=(typename,))
                keys.append(selection.alias.value if selection.alias else selection.name.value)
    return tuple(keys)


def answer_true(data: dict[str, Any] | None, keys: tuple[str, ...]) -> None:
    """Put ``true`` where the mutation answered its object."""
    for key in keys:
        if data is not None and data.get(key) is not None:
            data[key] = True
