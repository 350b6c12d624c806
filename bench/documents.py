"""What the benchmark sends: the product's REST paths and GraphQL documents (which the
floor answers too, with the same JSON), and the peer's equivalent GraphQL documents.

PostGraphile names things its own way (``allPeople``, ``rowId``, flat column names,
``companyByCompanyId``), so each peer document asks for the same data as the product's
request it stands against: the same records, the same fields, the same relation.
"""

from __future__ import annotations

import orjson

from bench.load import Request

ORDER = "createdAt[DescNullsLast]"
LIST_QUERY = "limit={limit}&depth=1&order_by=" + ORDER
FILTERED_QUERY = LIST_QUERY + "&filter=name.firstName[eq]:Ada"

# A page of people with each one's company name, as a list page of an app would ask.
GRAPHQL_LIST = (
    "query People($first: Int) { people(first: $first) {"
    " totalCount pageInfo { hasNextPage endCursor }"
    " edges { node { id name { firstName lastName } jobTitle createdAt company { name } } cursor } } }"
)
GRAPHQL_LIST_NO_COUNT = GRAPHQL_LIST.replace(" totalCount", "")
# Every field REST returns at depth 0, so the GraphQL answer is the REST answer.
PERSON_FIELDS = (
    "id createdAt updatedAt deletedAt position createdBy { source workspaceMemberId name }"
    " name { firstName lastName } emails { primaryEmail additionalEmails }"
    " phones { primaryPhoneNumber primaryPhoneCountryCode primaryPhoneCallingCode additionalPhones }"
    " jobTitle city avatarUrl linkedinLink { primaryLinkUrl primaryLinkLabel secondaryLinks }"
    " xLink { primaryLinkUrl primaryLinkLabel secondaryLinks } companyId"
)
GRAPHQL_GET = "query Person($id: UUID!) { person(filter: { id: { eq: $id } }) { " + PERSON_FIELDS + " } }"

# The peer's documents, in the product's order (position, then id), so both read the
# same page the same way (the index on workspace, position and id).
PEER_LIST = (
    "query People($first: Int) { allPeople(first: $first, orderBy: [POSITION_ASC, ROW_ID_ASC]) {"
    " totalCount pageInfo { hasNextPage endCursor }"
    " edges { node { rowId nameFirstName nameLastName jobTitle createdAt companyByCompanyId { name } } cursor } } }"
)
PEER_LIST_NO_COUNT = PEER_LIST.replace(" totalCount", "")
PEER_PERSON_FIELDS = (
    "rowId createdAt updatedAt deletedAt position createdBySource createdByWorkspaceMemberId createdByName"
    " nameFirstName nameLastName emailsPrimaryEmail emailsAdditionalEmails phonesPrimaryPhoneNumber"
    " phonesPrimaryPhoneCountryCode phonesPrimaryPhoneCallingCode phonesAdditionalPhones jobTitle city avatarUrl"
    " linkedinLinkPrimaryLinkUrl linkedinLinkPrimaryLinkLabel linkedinLinkSecondaryLinks xLinkPrimaryLinkUrl"
    " xLinkPrimaryLinkLabel xLinkSecondaryLinks companyId"
)
PEER_GET = "query Person($id: UUID!) { personByRowId(rowId: $id) { " + PEER_PERSON_FIELDS + " } }"
# The peer's table has no column defaults (the product fills them in), so its input
# names every required column; the server fills in ids, timestamps and the workspace.
PEER_CREATE = (
    "mutation CreatePerson($first: String!, $last: String!, $email: String!) {"
    " createPerson(input: { person: { nameFirstName: $first, nameLastName: $last, emailsPrimaryEmail: $email,"
    ' emailsAdditionalEmails: [], jobTitle: "Benchmark", city: "", avatarUrl: "", phonesPrimaryPhoneNumber: "",'
    ' phonesPrimaryPhoneCountryCode: "", phonesPrimaryPhoneCallingCode: "", linkedinLinkPrimaryLinkUrl: "",'
    ' linkedinLinkPrimaryLinkLabel: "", xLinkPrimaryLinkUrl: "", xLinkPrimaryLinkLabel: "" } })'
    " { person { " + PEER_PERSON_FIELDS + " } } }"
)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def graphql(token: str, query: str, variables: dict[str, object]) -> Request:
    body = orjson.dumps({"query": query, "variables": variables})
    return Request("POST", "/graphql", body, {**auth(token), "Content-Type": "application/json"})


def rest_list(token: str, size: int) -> Request:
    return Request("GET", "/rest/people?" + LIST_QUERY.format(limit=size), headers=auth(token))


def rest_list_filtered(token: str, size: int) -> Request:
    return Request("GET", "/rest/people?" + FILTERED_QUERY.format(limit=size), headers=auth(token))


def rest_get(token: str, person_id: str) -> Request:
    return Request("GET", f"/rest/people/{person_id}", headers=auth(token))


def new_person(n: int) -> tuple[str, str, str]:
    """First name, last name and email of the n-th person a create scenario writes."""
    return "Bench", f"Create {n}", f"bench.create{n}@example.com"


def rest_create(token: str, n: int) -> Request:
    first, last, email = new_person(n)
    body = {
        "name": {"firstName": first, "lastName": last},
        "emails": {"primaryEmail": email, "additionalEmails": []},
        "jobTitle": "Benchmark",
    }
    return Request("POST", "/rest/people", orjson.dumps(body), {**auth(token), "Content-Type": "application/json"})


def peer_create(token: str, n: int) -> Request:
    first, last, email = new_person(n)
    return graphql(token, PEER_CREATE, {"first": first, "last": last, "email": email})
