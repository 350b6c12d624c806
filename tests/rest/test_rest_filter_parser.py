"""The REST ``filter=`` / ``order_by=`` parser: valid syntax, helpful errors, abuse limits."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.query.ast import IS_VALUES, OPERATORS, ORDER_DIRECTIONS, And, Condition, Not, Or, OrderBy, QuerySyntaxError
from crm.query.rest_parser import MAX_DEPTH, MAX_LENGTH, parse_filter, parse_order_by


def c(path: str, op: str, value):
    return Condition(tuple(path.split(".")), op, value)


VALID_FILTERS = [
    # every operator
    ("name.firstName[eq]:Ada", c("name.firstName", "eq", "Ada")),
    ("city[neq]:Paris", c("city", "neq", "Paris")),
    ("id[in]:[a,b,c]", c("id", "in", ["a", "b", "c"])),
    ("tags[containsAny]:[vip,new]", c("tags", "containsAny", ["vip", "new"])),
    ("jobTitle[is]:NULL", c("jobTitle", "is", "NULL")),
    ("jobTitle[is]:NOT_NULL", c("jobTitle", "is", "NOT_NULL")),
    ("employees[gt]:10", c("employees", "gt", "10")),
    ("employees[gte]:10", c("employees", "gte", "10")),
    ("employees[lt]:10", c("employees", "lt", "10")),
    ("employees[lte]:10", c("employees", "lte", "10")),
    ("name.lastName[startsWith]:Love", c("name.lastName", "startsWith", "Love")),
    ("name.lastName[endsWith]:lace", c("name.lastName", "endsWith", "lace")),
    ("name.lastName[like]:%lace%", c("name.lastName", "like", "%lace%")),
    ("emails.primaryEmail[ilike]:%@example.com", c("emails.primaryEmail", "ilike", "%@example.com")),
    # values stay strings, colons and brackets inside a bare value are fine
    ("createdAt[gte]:2024-01-01T00:00:00Z", c("createdAt", "gte", "2024-01-01T00:00:00Z")),
    ("amount.amountMicros[gt]:-1.5e6", c("amount.amountMicros", "gt", "-1.5e6")),
    ("label[eq]:a]b[c", c("label", "eq", "a]b[c")),
    ('label[eq]:it"s', c("label", "eq", 'it"s')),
    ("name.firstName[eq]:", c("name.firstName", "eq", "")),
    ("name.firstName[eq]:,city[eq]:Paris", And((c("name.firstName", "eq", ""), c("city", "eq", "Paris")))),
    # `is` is case-insensitive and normalised
    ("jobTitle[is]:null", c("jobTitle", "is", "NULL")),
    ("jobTitle[is]:Not_Null", c("jobTitle", "is", "NOT_NULL")),
    ('jobTitle[is]:"null"', c("jobTitle", "is", "NULL")),
    # operators and group keywords are normalised too
    ("name[STARTSWITH]:A", c("name", "startsWith", "A")),
    ("tags[containsany]:[x]", c("tags", "containsAny", ["x"])),
    ("OR(a[eq]:1,b[eq]:2)", Or((c("a", "eq", "1"), c("b", "eq", "2")))),
    # top-level comma is AND
    ("a[eq]:1,b[eq]:2", And((c("a", "eq", "1"), c("b", "eq", "2")))),
    ("a[eq]:1,b[eq]:2,c[eq]:3", And((c("a", "eq", "1"), c("b", "eq", "2"), c("c", "eq", "3")))),
    # nesting
    (
        "or(name.firstName[eq]:Ada,and(city[eq]:Paris,jobTitle[is]:NULL))",
        Or((c("name.firstName", "eq", "Ada"), And((c("city", "eq", "Paris"), c("jobTitle", "is", "NULL"))))),
    ),
    ("not(city[eq]:Paris)", Not(c("city", "eq", "Paris"))),
    ("not(not(city[eq]:Paris))", Not(Not(c("city", "eq", "Paris")))),
    ("and(a[eq]:1)", And((c("a", "eq", "1"),))),
    (
        "and(or(a[eq]:1,not(b[eq]:2)),c[in]:[x,y]),d[is]:NULL",
        And(
            (
                And((Or((c("a", "eq", "1"), Not(c("b", "eq", "2")))), c("c", "in", ["x", "y"]))),
                c("d", "is", "NULL"),
            )
        ),
    ),
    # a field may share its name with a keyword: only `(` makes a group
    ("and[eq]:1", c("and", "eq", "1")),
    ("or.not[eq]:1", c("or.not", "eq", "1")),
    ("_private_1[eq]:x", c("_private_1", "eq", "x")),
    # quoted values
    ('name[eq]:"Lovelace, Ada"', c("name", "eq", "Lovelace, Ada")),
    ('name[eq]:"a(b)c"', c("name", "eq", "a(b)c")),
    ('name[eq]:"key:value"', c("name", "eq", "key:value")),
    ('name[eq]:"[not a list]"', c("name", "eq", "[not a list]")),
    ('name[eq]:"say \\"hi\\""', c("name", "eq", 'say "hi"')),
    ('name[eq]:"back\\\\slash"', c("name", "eq", "back\\slash")),
    ('path[eq]:"C:\\temp"', c("path", "eq", "C:\\temp")),
    ('name[eq]:""', c("name", "eq", "")),
    ('name[eq]:"  padded  "', c("name", "eq", "  padded  ")),
    ('or(name[eq]:"x),y",city[eq]:"(")', Or((c("name", "eq", "x),y"), c("city", "eq", "(")))),
    # lists
    ('id[in]:[a,b,"c,d"]', c("id", "in", ["a", "b", "c,d"])),
    ('id[in]:["]",""]', c("id", "in", ["]", ""])),
    ("id[in]:[]", c("id", "in", [])),
    ("id[in]:[ ]", c("id", "in", [])),
    ("id[in]:[only]", c("id", "in", ["only"])),
    ("id[in]:[a(b),c)]", c("id", "in", ["a(b)", "c)"])),
    ("and(id[in]:[1,2],x[eq]:y)", And((c("id", "in", ["1", "2"]), c("x", "eq", "y")))),
    # whitespace around tokens
    ("  name . firstName [ eq ] :  Ada  ", c("name.firstName", "eq", "Ada")),
    ("or ( a[eq]:1 , not ( b[eq]:2 ) )", Or((c("a", "eq", "1"), Not(c("b", "eq", "2"))))),
    ('id[in]: [ a , "b" ,c ] ', c("id", "in", ["a", "b", "c"])),
    ("name[eq]:Ada Lovelace", c("name", "eq", "Ada Lovelace")),
    ("a[eq]:1\n,\tb[eq]:2", And((c("a", "eq", "1"), c("b", "eq", "2")))),
    # things that look like injection are just values
    ("name[eq]:'; DROP TABLE people; --", c("name", "eq", "'; DROP TABLE people; --")),
    ("name[eq]:1 OR 1=1", c("name", "eq", "1 OR 1=1")),
    ('name[eq]:"x\') OR (1=1"', c("name", "eq", "x') OR (1=1")),
    ("name[like]:%' UNION SELECT *", c("name", "like", "%' UNION SELECT *")),
    ("name[eq]:<script>alert(1</script>", c("name", "eq", "<script>alert(1</script>")),
]


@pytest.mark.parametrize(("text", "expected"), VALID_FILTERS, ids=[t for t, _ in VALID_FILTERS])
def test_valid_filter_parses_to_the_expected_tree(text, expected):
    assert parse_filter(text) == expected


def test_every_operator_is_covered_by_the_valid_table():
    assert {op for _, node in VALID_FILTERS if isinstance(node, Condition) for op in [node.op]} == OPERATORS


# (text, 1-based position reported, fragment of the message)
BAD_FILTERS = [
    ("", None, "empty filter"),
    ("   ", None, "empty filter"),
    ("name.firstName[eqq]:Ada", 16, "unknown operator 'eqq'"),
    ("name[equals]:Ada", 6, "expected one of eq, neq, in, containsAny, is"),
    ("or(a[eq]:1", 3, "unclosed parenthesis opened"),
    ("and(or(a[eq]:1,b[eq]:2)", 4, "unclosed parenthesis opened"),
    ("name[eq]Ada", 9, "missing ':' after 'name[eq]'"),
    ("name[eq]", 9, "missing ':'"),
    ('name[eq]:"Ada', 10, "unterminated quoted value starting"),
    ('id[in]:["a,b]', 9, "unterminated quoted value"),
    ("name:Ada", 5, "missing operator after 'name'"),
    ("name", 5, "missing operator after 'name'"),
    ("name[]:Ada", 5, "missing operator"),
    ("name[eq:Ada", 5, "missing ']' after operator 'eq'"),
    ("a[eq]:1)", 8, "unexpected ')' with no open parenthesis"),
    ("a[eq]:f(x)", 10, "quote values that contain ')'"),
    ("a[eq]:1,", 9, "expected a condition, found end of input"),
    (",a[eq]:1", 1, "expected a condition, found ','"),
    ("a[eq]:1,,b[eq]:2", 9, "expected a condition"),
    ("and(a[eq]:1,)", 13, "expected a condition, found ')'"),
    ("and()", 4, "empty and(...)"),
    ("not( )", 4, "empty not(...)"),
    ("not(a[eq]:1,b[eq]:2)", 1, "not(...) takes exactly one condition, got 2"),
    ("xor(a[eq]:1)", 1, "unknown group 'xor'"),
    ("(a[eq]:1)", 1, "unexpected '('"),
    ("[eq]:1", 1, "expected a field name, found '['"),
    ("1abc[eq]:1", 1, "expected a field name"),
    ("na-me[eq]:1", 3, "missing operator after 'na'"),
    ("pr\u00e9nom[eq]:1", 3, "missing operator after 'pr'"),
    ("name.[eq]:1", 6, "expected a sub-field name after '.'"),
    ("a.b.c[eq]:1", 1, "field path 'a.b.c' is too deep"),
    ('name[eq]:"Ada"x', 15, "unexpected 'x' after a quoted value"),
    ("id[in]:a", 8, "operator 'in' expects a list"),
    ("tags[containsAny]:", 19, "operator 'containsAny' expects a list"),
    ("id[in]:[a,b", 8, "unclosed '[' opened"),
    ("id[in]:[a,,b]", 11, "empty list item"),
    ("id[in]:[a,]", 11, "empty list item"),
    ("id[in]:[a]x", 11, "unexpected 'x' after a list"),
    ('id[in]:["a"b]', 12, "unexpected 'b' after a quoted value"),
    ("name[eq]:[a,b]", 10, "operator 'eq' takes a single value, not a list"),
    ("jobTitle[is]:nothing", 14, "operator 'is' expects NULL or NOT_NULL, got 'nothing'"),
    ("jobTitle[is]:", 14, "expects NULL or NOT_NULL, got ''"),
    ("name[eq]:x);DROP TABLE people;--", 11, "unexpected ')'"),
]


@pytest.mark.parametrize(("text", "position", "fragment"), BAD_FILTERS, ids=[t or "<empty>" for t, _, _ in BAD_FILTERS])
def test_bad_filter_raises_an_error_saying_where_and_what(text, position, fragment):
    with pytest.raises(QuerySyntaxError) as caught:
        parse_filter(text)
    message = str(caught.value)
    assert fragment in message
    if position is not None:
        assert f"at position {position} " in message
        assert "near '" in message


def test_a_bare_value_runs_to_the_next_comma_so_a_missing_comma_is_not_an_error():
    assert parse_filter("a[eq]:1 b[eq]:2") == c("a", "eq", "1 b[eq]:2")


def test_error_excerpt_shows_the_text_around_the_problem_in_a_long_filter():
    text = "a[eq]:1," * 20 + "name[eqq]:x," + "b[eq]:2," * 20 + "c[eq]:3"
    with pytest.raises(QuerySyntaxError) as caught:
        parse_filter(text)
    message = str(caught.value)
    assert f"at position {text.index('eqq') + 1} " in message
    excerpt = re.search(r"near '(.*)'", message).group(1)
    assert "name[eqq]" in excerpt
    assert excerpt.startswith("…") and excerpt.endswith("…")
    assert len(excerpt) < 40


def test_unknown_operator_message_lists_every_operator():
    with pytest.raises(QuerySyntaxError) as caught:
        parse_filter("a[nope]:1")
    for op in OPERATORS:
        assert re.search(rf"\b{op}\b", str(caught.value))


def test_maximum_nesting_depth_is_accepted():
    text = "not(" * MAX_DEPTH + "a[eq]:1" + ")" * MAX_DEPTH
    node = parse_filter(text)
    for _ in range(MAX_DEPTH):
        assert isinstance(node, Not)
        node = node.child
    assert node == c("a", "eq", "1")


def test_one_level_deeper_than_the_limit_is_refused():
    text = "and(" * (MAX_DEPTH + 1) + "a[eq]:1" + ")" * (MAX_DEPTH + 1)
    with pytest.raises(QuerySyntaxError, match=f"nested too deeply .*position {MAX_DEPTH * 4 + 1} "):
        parse_filter(text)


def test_absurd_nesting_gives_a_syntax_error_not_a_recursion_error():
    depth = MAX_LENGTH // 5
    with pytest.raises(QuerySyntaxError, match="nested too deeply"):
        parse_filter("or(" * depth + "a[eq]:1" + ")" * depth)


def test_filter_at_the_length_limit_is_accepted():
    prefix = "name[eq]:"
    text = prefix + "x" * (MAX_LENGTH - len(prefix))
    assert parse_filter(text).value == "x" * (MAX_LENGTH - len(prefix))


def test_filter_over_the_length_limit_is_refused():
    with pytest.raises(QuerySyntaxError, match=f"filter is too long .*limit is {MAX_LENGTH}"):
        parse_filter("name[eq]:" + "x" * MAX_LENGTH)


def test_order_by_over_the_length_limit_is_refused():
    with pytest.raises(QuerySyntaxError, match="order_by is too long"):
        parse_order_by("a," * MAX_LENGTH)


VALID_ORDERS = [
    ("createdAt", [OrderBy(("createdAt",), "AscNullsFirst")]),
    ("createdAt[DescNullsLast]", [OrderBy(("createdAt",), "DescNullsLast")]),
    (
        "createdAt[DescNullsLast],name.firstName",
        [OrderBy(("createdAt",), "DescNullsLast"), OrderBy(("name", "firstName"), "AscNullsFirst")],
    ),
    (
        "a[AscNullsFirst],b[AscNullsLast],c[DescNullsFirst],d[DescNullsLast]",
        [
            OrderBy(("a",), "AscNullsFirst"),
            OrderBy(("b",), "AscNullsLast"),
            OrderBy(("c",), "DescNullsFirst"),
            OrderBy(("d",), "DescNullsLast"),
        ],
    ),
    ("name.lastName[descnullsfirst]", [OrderBy(("name", "lastName"), "DescNullsFirst")]),
    (
        " createdAt [ DescNullsLast ] , name . firstName ",
        [OrderBy(("createdAt",), "DescNullsLast"), OrderBy(("name", "firstName"))],
    ),
    ("amount.amountMicros[AscNullsLast]", [OrderBy(("amount", "amountMicros"), "AscNullsLast")]),
    ("", []),
    ("   ", []),
]


@pytest.mark.parametrize(("text", "expected"), VALID_ORDERS, ids=[t or "<blank>" for t, _ in VALID_ORDERS])
def test_valid_order_by_parses_to_the_expected_list(text, expected):
    assert parse_order_by(text) == expected


def test_every_direction_is_covered_by_the_valid_order_table():
    assert {o.direction for _, orders in VALID_ORDERS for o in orders} == ORDER_DIRECTIONS


BAD_ORDERS = [
    ("createdAt[Desc]", 11, "unknown direction 'Desc'"),
    ("createdAt[]", 11, "expected one of AscNullsFirst, AscNullsLast, DescNullsFirst, DescNullsLast"),
    ("createdAt[DescNullsLast", 10, "missing ']' after the direction"),
    ("createdAt[DescNullsLast,name", 10, "missing ']'"),
    ("createdAt,", 11, "expected a field name, found end of input"),
    (",createdAt", 1, "expected a field name, found ','"),
    ("a,,b", 3, "expected a field name"),
    ("createdAt DESC", 11, "unexpected 'D'"),
    ("createdAt[DescNullsLast]x", 25, "unexpected 'x'"),
    ("a.b.c", 1, "field path 'a.b.c' is too deep"),
    ("name.firstName,name.firstName[DescNullsLast]", 16, "field 'name.firstName' is ordered twice"),
    ("createdAt;DROP TABLE people", 10, "unexpected ';'"),
    ("-createdAt", 1, "expected a field name, found '-'"),
]


@pytest.mark.parametrize(("text", "position", "fragment"), BAD_ORDERS, ids=[t for t, _, _ in BAD_ORDERS])
def test_bad_order_by_raises_an_error_saying_where_and_what(text, position, fragment):
    with pytest.raises(QuerySyntaxError) as caught:
        parse_order_by(text)
    assert fragment in str(caught.value)
    assert f"at position {position} " in str(caught.value)


# -- properties ----------------------------------------------------------------

FILTER_ALPHABET = 'andortisNULeqgl[](),:."\\ _xyz01-%'


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), st.text(alphabet=FILTER_ALPHABET, max_size=60)))
def test_random_text_never_raises_anything_but_a_syntax_error(text):
    for parse in (parse_filter, parse_order_by):
        try:
            parse(text)
        except QuerySyntaxError:
            pass


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_text(node) -> str:
    if isinstance(node, Condition):
        if isinstance(node.value, list):
            value = "[" + ",".join(quote(v) for v in node.value) + "]"
        else:
            value = quote(node.value)
        return f"{'.'.join(node.path)}[{node.op}]:{value}"
    if isinstance(node, Not):
        return f"not({to_text(node.child)})"
    keyword = "and" if isinstance(node, And) else "or"
    return f"{keyword}({','.join(to_text(child) for child in node.children)})"


def depth(node) -> int:
    if isinstance(node, Condition):
        return 0
    children = [node.child] if isinstance(node, Not) else node.children
    return 1 + max(depth(child) for child in children)


identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
paths = st.lists(identifiers, min_size=1, max_size=2).map(tuple)


@st.composite
def conditions(draw):
    op = draw(st.sampled_from(sorted(OPERATORS)))
    if op == "is":
        value = draw(st.sampled_from(sorted(IS_VALUES)))
    elif op in ("in", "containsAny"):
        value = draw(st.lists(st.text(max_size=10), max_size=4))
    else:
        value = draw(st.text(max_size=20))
    return Condition(draw(paths), op, value)


trees = st.recursive(
    conditions(),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: And(tuple(xs))),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: Or(tuple(xs))),
        inner.map(Not),
    ),
    max_leaves=12,
).filter(lambda node: depth(node) <= MAX_DEPTH)


@settings(max_examples=300)
@given(trees)
def test_any_tree_written_out_with_quoted_values_parses_back_to_itself(tree):
    assert parse_filter(to_text(tree)) == tree


@settings(max_examples=100)
@given(st.lists(conditions(), min_size=2, max_size=4))
def test_conditions_joined_by_top_level_commas_parse_to_an_and(items):
    assert parse_filter(", ".join(to_text(item) for item in items)) == And(tuple(items))


@settings(max_examples=100)
@given(
    st.lists(
        st.tuples(paths, st.sampled_from(sorted(ORDER_DIRECTIONS))), min_size=1, max_size=4, unique_by=lambda x: x[0]
    )
)
def test_any_order_list_written_out_parses_back_to_itself(items):
    text = ",".join(f"{'.'.join(path)}[{direction}]" for path, direction in items)
    assert parse_order_by(text) == [OrderBy(path, direction) for path, direction in items]
