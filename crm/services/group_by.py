"""Records grouped by one or more fields, with aggregates per group (Twenty's groupBy).

A group-by names its dimensions as Twenty's clients send them::

    [{"stage": true}, {"companyId": true}, {"address": {"addressCity": true}},
     {"closeDate": {"granularity": "MONTH", "timeZone": "Europe/Paris"}}]

and the database answers in one statement: ``GROUP BY`` the dimensions (dates truncated
to a day, week, month, quarter or year, or reduced to a day of the week, a month or a
quarter of the year), with ``COUNT`` and the aggregates asked for per group. When a
sample of each group's records is wanted, one more statement numbers the matching
records per group (a window function) and keeps the first few of each.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import DateTimeField, ExpressionWrapper, F, Q, Window
from django.db.models.functions import (
    ExtractIsoWeekDay,
    ExtractMonth,
    ExtractQuarter,
    RowNumber,
    TruncDay,
    TruncMonth,
    TruncQuarter,
    TruncWeek,
    TruncYear,
)

from crm.metadata.schema import CompiledObject
from crm.models import Workspace
from crm.query.ast import Node, OrderBy
from crm.query.compile import DIRECTIONS, LIST_KINDS, QueryValueError, Target, filter_to_q, resolve_path, sort_keys
from crm.query.listing import MAX_LIMIT, encode_cursor, key_value
from crm.query.record_queries import records
from crm.query.serialize import compile_serializer, format_datetime
from crm.services.aggregates import TOTAL_COUNT, Aggregate, object_aggregates

GRANULARITIES = (
    "DAY",
    "WEEK",
    "MONTH",
    "QUARTER",
    "YEAR",
    "DAY_OF_THE_WEEK",
    "MONTH_OF_THE_YEAR",
    "QUARTER_OF_THE_YEAR",
    "NONE",
)
# How many days a week starting on that day is shifted from an ISO (Monday) week.
WEEK_START_DAYS = {"MONDAY": 0, "SUNDAY": 1, "SATURDAY": 2}
TRUNCATIONS = {"DAY": TruncDay, "WEEK": TruncWeek, "MONTH": TruncMonth, "QUARTER": TruncQuarter, "YEAR": TruncYear}
DEFAULT_GROUP_LIMIT = 50
MAX_DIMENSIONS = 5
# Records shown per group when a sample is asked for, as in Twenty.
RECORDS_PER_GROUP = 10
_WEEKDAYS = tuple(calendar.day_name)  # Monday first, as ISO numbers them
_MONTHS = tuple(calendar.month_name)[1:]


class GroupByError(QueryValueError):
    """A group-by that names an unknown field, or one that cannot be grouped on."""


@dataclass(frozen=True)
class Dimension:
    label: str  # as the client named it: "stage", "address.addressCity"
    target: Target
    granularity: str | None = None
    week_start: str = "MONDAY"
    time_zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))

    @property
    def truncates(self) -> bool:
        return self.granularity in TRUNCATIONS

    @property
    def is_plain_column(self) -> bool:
        """A standard column taken as it is (no date part, no JSON key)."""
        return self.granularity is None and not self.target.is_custom

    def expression(self) -> Any:
        column: Any = F(self.target.orm_path)
        if self.granularity in TRUNCATIONS:
            shift = WEEK_START_DAYS[self.week_start] if self.granularity == "WEEK" else 0
            if shift:
                column = ExpressionWrapper(column + timedelta(days=shift), output_field=DateTimeField())
            return TRUNCATIONS[self.granularity](column, tzinfo=self.time_zone)
        if self.granularity == "DAY_OF_THE_WEEK":
            return ExtractIsoWeekDay(column, tzinfo=self.time_zone)
        if self.granularity == "MONTH_OF_THE_YEAR":
            return ExtractMonth(column, tzinfo=self.time_zone)
        if self.granularity == "QUARTER_OF_THE_YEAR":
            return ExtractQuarter(column, tzinfo=self.time_zone)
        return column

    def present(self, value: Any) -> Any:
        """A group's value of this dimension, as groupByDimensionValues shows it."""
        if value is None:
            return None
        if self.truncates:
            return self._bucket_start(value).isoformat()
        if self.granularity == "DAY_OF_THE_WEEK":
            return _WEEKDAYS[value - 1]
        if self.granularity == "MONTH_OF_THE_YEAR":
            return _MONTHS[value - 1]
        if self.granularity == "QUARTER_OF_THE_YEAR":
            return f"Q{value}"
        if isinstance(value, datetime):
            return format_datetime(value)
        if self.target.kind in ("UUID", "uuid"):
            return str(value)
        return value

    def matches(self, alias: str, value: Any) -> Q:
        """Records of the group whose value (the database's, as fetched) is ``value``."""
        if value is None:
            return Q(**{f"{alias}__isnull": True})
        if not self.truncates:
            return Q(**{alias: value})
        # A truncated date is compared as the range of the column it stands for: comparing
        # the truncated values themselves would mix local and UTC times on PostgreSQL.
        start = self._bucket_start(value)
        end = _next_bucket(start, self.granularity or "DAY")
        local = self.time_zone
        path = self.target.orm_path
        return Q(
            **{
                f"{path}__gte": datetime.combine(start, time(), tzinfo=local),
                f"{path}__lt": datetime.combine(end, time(), tzinfo=local),
            }
        )

    def _bucket_start(self, value: datetime) -> date:
        day = value.astimezone(self.time_zone).date() if value.tzinfo else value.date()
        if self.granularity == "WEEK":
            day -= timedelta(days=WEEK_START_DAYS[self.week_start])
        return day


def _next_bucket(start: date, granularity: str) -> date:
    if granularity == "DAY":
        return start + timedelta(days=1)
    if granularity == "WEEK":
        return start + timedelta(days=7)
    months = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}[granularity]
    index = start.month - 1 + months
    return date(start.year + index // 12, index % 12 + 1, 1)


@dataclass
class Group:
    dimension_values: list[Any]
    total_count: int
    aggregates: dict[str, Any]
    # With a sample: the first records of the group (REST depth-0 dicts) and their cursors.
    records: list[dict[str, Any]] = field(default_factory=list)
    cursors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GroupOrder:
    """Groups ordered by a dimension (its index) or by an aggregate (its name)."""

    direction: str
    dimension: int | None = None
    aggregate: str | None = None


# --- Reading what the client asked for ------------------------------------------------------


def parse_dimensions(obj: CompiledObject, spec: Any) -> list[Dimension]:
    """The dimensions of ``[{"stage": true}, {"closeDate": {"granularity": "DAY"}}, ...]``."""
    if not isinstance(spec, list | tuple) or not spec:
        raise GroupByError('groupBy must be a non-empty list such as [{"stage": true}]')
    if len(spec) > MAX_DIMENSIONS:
        raise GroupByError(f"Group by at most {MAX_DIMENSIONS} fields")
    dimensions = [_dimension(obj, item) for item in spec]
    seen = [(d.label, d.granularity) for d in dimensions]
    if len(set(seen)) != len(seen):
        raise GroupByError("The same field is grouped by twice")
    return dimensions


def _dimension(obj: CompiledObject, item: Any) -> Dimension:
    if not isinstance(item, Mapping) or len(item) != 1:
        raise GroupByError(
            'Each groupBy entry names one field, such as {"stage": true}: split several fields into several entries'
        )
    ((name, value),) = item.items()
    compiled = obj.fields.get(str(name))
    if compiled is None:
        raise GroupByError(f"Unknown field '{str(name)[:60]}' on {obj.name_singular}")
    if compiled.relation is not None:
        hint = f"; group by {compiled.relation.join_field}" if compiled.relation.join_field else ""
        raise GroupByError(f"Cannot group by the relation '{compiled.name}'{hint}")
    if compiled.is_composite:
        if not isinstance(value, Mapping) or len(value) != 1 or True not in value.values():
            subs = ", ".join(f"{{{compiled.name}: {{{sub.name}: true}}}}" for sub in compiled.subfields)
            raise GroupByError(f"'{compiled.name}' is a composite field: group by one sub-field, e.g. {subs}")
        (sub,) = value
        return _checked(Dimension(f"{compiled.name}.{sub}", _target(obj, (compiled.name, str(sub)))))
    if compiled.type == "DATE_TIME" and isinstance(value, Mapping):
        return _date_dimension(obj, compiled.name, value)
    if value is not True:
        raise GroupByError(f'Write {{"{compiled.name}": true}} to group by {compiled.name}')
    return _checked(Dimension(compiled.name, _target(obj, (compiled.name,))))


def _date_dimension(obj: CompiledObject, name: str, options: Mapping[str, Any]) -> Dimension:
    unknown = set(options) - {"granularity", "weekStartDay", "timeZone", "orderBy"}
    if unknown:
        raise GroupByError(f"Unknown option '{sorted(unknown)[0]}' for {name}: use granularity, weekStartDay, timeZone")
    granularity = options.get("granularity") or "NONE"
    if granularity not in GRANULARITIES:
        raise GroupByError(f"{name}: granularity must be one of {', '.join(GRANULARITIES)}")
    week_start = options.get("weekStartDay") or "MONDAY"
    if week_start not in WEEK_START_DAYS:
        raise GroupByError(f"{name}: weekStartDay must be one of {', '.join(WEEK_START_DAYS)}")
    target = _target(obj, (name,))
    if target.is_custom and granularity != "NONE":
        raise GroupByError(f"{name}: custom date fields are grouped by their exact value (granularity NONE)")
    return Dimension(
        name,
        target,
        None if granularity == "NONE" else granularity,
        week_start,
        _time_zone(name, options.get("timeZone")),
    )


def _time_zone(name: str, value: Any) -> ZoneInfo:
    if value in (None, ""):
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        message = f"{name}: unknown timeZone '{str(value)[:60]}'; use an IANA name such as Europe/Paris"
        raise GroupByError(message) from None


def _target(obj: CompiledObject, path: tuple[str, ...]) -> Target:
    try:
        return resolve_path(obj, path)
    except QueryValueError as error:
        raise GroupByError(str(error)) from None


def _checked(dimension: Dimension) -> Dimension:
    if dimension.target.kind in LIST_KINDS:
        raise GroupByError(f"Cannot group by '{dimension.label}': it holds a list")
    if dimension.target.kind == "POSITION" or dimension.label == "id":
        raise GroupByError(f"Cannot group by '{dimension.label}': every record has its own")
    return dimension


def parse_aggregates(obj: CompiledObject, names: Any) -> list[str]:
    """Aggregate names checked against what the object offers (totalCount always comes)."""
    if names is None:
        return []
    if not isinstance(names, list | tuple) or not all(isinstance(name, str) for name in names):
        raise GroupByError('aggregate must be a list of names such as ["sumAmountAmountMicros"]')
    offered = object_aggregates(obj)
    unknown = [name for name in names if name not in offered]
    if unknown:
        raise GroupByError(
            f"Unknown aggregate '{unknown[0][:60]}' on {obj.name_singular}; available: {', '.join(offered)}"
        )
    return list(dict.fromkeys(names))


def parse_group_order(obj: CompiledObject, dimensions: Sequence[Dimension], spec: Any) -> list[GroupOrder]:
    """``[{"stage": "AscNullsFirst"}, {"aggregate": {"avgEmployees": "DescNullsLast"}},
    {"closeDate": {"granularity": "DAY", "orderBy": "AscNullsFirst"}}, {"address": {"addressCity": ...}}]``,
    one criterion per entry; refusals in Twenty's words."""
    if spec in (None, []):
        return []
    items = [spec] if isinstance(spec, Mapping) else spec
    if not isinstance(items, list | tuple):
        raise GroupByError('orderBy must be a list such as [{"stage": "AscNullsFirst"}]')
    orders: list[GroupOrder] = []
    for item in items:
        if not isinstance(item, Mapping):
            raise GroupByError('Each orderBy entry is an object such as {"stage": "AscNullsFirst"}')
        criteria = {name: value for name, value in item.items() if value is not None}
        if "aggregate" in criteria:
            orders.extend(_aggregate_order(obj, criteria.pop("aggregate")))
        if len(criteria) > 1:
            raise GroupByError("Please provide orderBy field criteria one by one in orderBy array")
        for name, value in criteria.items():
            orders.append(_dimension_order(obj, dimensions, str(name), value))
    return orders


def _aggregate_order(obj: CompiledObject, value: Any) -> list[GroupOrder]:
    if not isinstance(value, Mapping):
        raise GroupByError('orderBy aggregate takes an object such as {"avgEmployees": "DescNullsLast"}')
    if len(value) > 1:
        raise GroupByError("Please provide aggregate criteria one by one in orderBy array")
    orders = []
    for name, direction in value.items():
        if name not in object_aggregates(obj):
            raise GroupByError(f"Unknown aggregate field: {str(name)[:60]}")
        if direction:
            orders.append(GroupOrder(_direction(direction), aggregate=str(name)))
    return orders


def _dimension_order(obj: CompiledObject, dimensions: Sequence[Dimension], name: str, value: Any) -> GroupOrder:
    if name not in obj.fields:
        raise GroupByError(f"Cannot orderBy unknown field: {name[:60]}.")
    if isinstance(value, Mapping) and "orderBy" in value:
        granularity = value.get("granularity") or "NONE"
        for index, dimension in enumerate(dimensions):
            if dimension.target.field.name == name and (dimension.granularity or "NONE") == granularity:
                return GroupOrder(_direction(value["orderBy"]), dimension=index)
        raise GroupByError(f"Cannot order by a date granularity that is not in groupBy criteria: {granularity}")
    if not isinstance(value, Mapping):
        for index, dimension in enumerate(dimensions):
            if dimension.label == name:
                return GroupOrder(_direction(value), dimension=index)
        raise GroupByError(f"Cannot order by a field that is not an aggregate nor in groupBy criteria: {name}.")
    if len(value) != 1:
        raise GroupByError("Subfields must be provided one by one in orderBy array.")
    ((sub, direction),) = value.items()
    for index, dimension in enumerate(dimensions):
        if dimension.label == f"{name}.{sub}":
            return GroupOrder(_direction(direction), dimension=index)
    raise GroupByError(
        f"Cannot order by a field that is not in groupBy or that is not an aggregate field: {str(sub)[:60]}"
    )


def _direction(value: Any) -> str:
    if value not in DIRECTIONS:
        raise GroupByError(f"Unknown direction '{str(value)[:40]}'; use one of {', '.join(sorted(DIRECTIONS))}")
    return str(value)


# --- Asking the database ----------------------------------------------------------------------


def group_records(
    workspace: Workspace,
    obj: CompiledObject,
    dimensions: Sequence[Dimension],
    *,
    filter: Node | None = None,  # noqa: A002 - the name clients use
    aggregates: Sequence[str] = (),
    order: Sequence[GroupOrder] = (),
    limit: Any = None,
    records_per_group: int = 0,
    record_order: Sequence[OrderBy] = (),
    records_offset: int = 0,
) -> list[Group]:
    """The groups (at most ``limit``), each with its count and the aggregates named; with
    ``records_per_group``, the first records of each in ``record_order`` (after skipping
    ``records_offset`` of them)."""
    group_limit = _group_limit(limit)
    offered = object_aggregates(obj)
    wanted = list(dict.fromkeys([*aggregates, *(o.aggregate for o in order if o.aggregate)]))
    computed: dict[str, Aggregate] = {name: offered[name] for name in wanted if name != TOTAL_COUNT}
    base = records(workspace, obj)
    if filter is not None:
        base = base.filter(filter_to_q(obj, filter))
    aliases = {f"_dimension_{index}": dimension.expression() for index, dimension in enumerate(dimensions)}
    aggregate_aliases = {f"_aggregate_{index}": name for index, name in enumerate(computed)}
    grouped = (
        base.annotate(**aliases)
        .values(*aliases)
        .annotate(
            _total_count=offered[TOTAL_COUNT].expression(),
            **{alias: computed[name].expression() for alias, name in aggregate_aliases.items()},
        )
        .order_by(*_order_expressions(order, list(aliases), aggregate_aliases, len(dimensions)))
    )
    rows = list(grouped[:group_limit])
    groups = [
        Group(
            [dimension.present(row[alias]) for dimension, alias in zip(dimensions, aliases, strict=True)],
            row["_total_count"],
            {
                TOTAL_COUNT: row["_total_count"],
                **{name: computed[name].present(row[alias]) for alias, name in aggregate_aliases.items()},
            },
        )
        for row in rows
    ]
    if records_per_group and rows:
        if isinstance(records_offset, bool) or not isinstance(records_offset, int) or records_offset < 0:
            raise GroupByError("offsetForRecords must be a whole number, 0 or more")
        window = (records_offset, records_offset + records_per_group)
        _add_samples(obj, base, dimensions, aliases, rows, groups, window, record_order)
    return groups


def _group_limit(limit: Any) -> int:
    """Groups to return: a whole number from 1; one above MAX_LIMIT reads MAX_LIMIT (Twenty
    takes any, and each group may bring its records)."""
    if limit is None or limit == "":
        return DEFAULT_GROUP_LIMIT
    if isinstance(limit, str) and limit.strip().isdigit():
        limit = int(limit.strip()[:7])  # seven digits are beyond the cap already
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise GroupByError("limit (the number of groups) must be a whole number from 1")
    return min(limit, MAX_LIMIT)


def _order_expressions(
    order: Sequence[GroupOrder], dimension_aliases: list[str], aggregate_aliases: dict[str, str], count: int
) -> list[Any]:
    by_name = {name: alias for alias, name in aggregate_aliases.items()}
    expressions = []
    ordered: set[int] = set()
    for item in order:
        descending, nulls_first = DIRECTIONS[item.direction]
        if item.dimension is not None:
            column = F(dimension_aliases[item.dimension])
            ordered.add(item.dimension)
        elif item.aggregate == TOTAL_COUNT:
            column = F("_total_count")
        else:
            column = F(by_name[item.aggregate or ""])
        nulls = {"nulls_first": True} if nulls_first else {"nulls_last": True}
        expressions.append(column.desc(**nulls) if descending else column.asc(**nulls))
    # Then the remaining dimensions, so the order of groups never depends on the database's mood.
    expressions += [F(dimension_aliases[i]).asc(nulls_last=True) for i in range(count) if i not in ordered]
    return expressions


def _add_samples(
    obj: CompiledObject,
    base: Any,
    dimensions: Sequence[Dimension],
    aliases: dict[str, Any],
    rows: list[dict[str, Any]],
    groups: list[Group],
    window: tuple[int, int],
    record_order: Sequence[OrderBy],
) -> None:
    """The first records of each group, in one statement for all the groups."""
    keys = sort_keys(obj, record_order)
    columns, serialize = compile_serializer(obj)
    # A plain column is read as itself: selecting it twice (as a column and as a dimension)
    # would confuse the ORM's wrapping of a query filtered on a window function.
    names = [
        dimension.target.orm_path if dimension.is_plain_column else alias
        for dimension, alias in zip(dimensions, aliases, strict=True)
    ]
    computed = {name: aliases[name] for name in names if name in aliases}
    wanted = Q(pk__in=[])
    for row in rows:
        group_q = Q()
        for dimension, alias, name in zip(dimensions, aliases, names, strict=True):
            group_q &= dimension.matches(name, row[alias])
        wanted |= group_q
    numbered = (
        base.annotate(**computed)
        .filter(wanted)
        .annotate(
            _row_number=Window(
                RowNumber(),
                partition_by=[F(name) for name in names],
                order_by=[key.expression() for key in keys],
            )
        )
        .filter(_row_number__gt=window[0], _row_number__lte=window[1])
    )
    key_columns = [key.orm_path.split("__")[0] for key in keys]
    by_group: dict[tuple[Any, ...], Group] = {
        tuple(row[alias] for alias in aliases): group for row, group in zip(rows, groups, strict=True)
    }
    fetched = numbered.order_by("_row_number").values(*dict.fromkeys([*columns, *key_columns, *names]))
    for record_row in fetched:
        group = by_group.get(tuple(record_row[name] for name in names))
        if group is not None:
            group.records.append(serialize(record_row))
            group.cursors.append(encode_cursor([key_value(key, record_row) for key in keys]))
