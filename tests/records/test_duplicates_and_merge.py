"""Duplicate search (people by name or primary email, companies by name or domain) and
merging duplicates into one record, over REST and GraphQL as Twenty names them. A merge
fills the kept record's empty fields, pools emails, phones and links, moves what
pointed at the others (note and task targets included), soft-deletes the others, all in
one transaction, and announces an event for every record it changed."""

from __future__ import annotations

import pytest
from django.test import Client

from crm.services.records import create_record, create_records, delete_record
from webhooks.models import Delivery, Event


@pytest.fixture
def api(api_token: str, settings) -> Client:
    settings.API_RATE_LIMIT_PER_MINUTE = 10_000
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")


def send(api: Client, method: str, path: str, body: object):
    return getattr(api, method)(path, body, content_type="application/json")


def graphql(api: Client, query: str, variables: dict | None = None) -> dict:
    return send(api, "post", "/graphql", {"query": query, "variables": variables or {}}).json()


@pytest.fixture
def people(workspace, actor) -> list[dict]:
    company = create_record(workspace, "company", {"name": "Acme"}, actor)
    return create_records(
        workspace,
        "person",
        [
            {"name": {"firstName": "John", "lastName": "Doe"}, "companyId": company["id"], "city": "Paris"},
            {"name": {"firstName": "john", "lastName": "DOE"}, "jobTitle": "CTO", "city": "Lyon"},
            {"name": {"firstName": "Phil", "lastName": "Collins"}, "emails": {"primaryEmail": "phil@example.com"}},
            # A primary email names one person, so a second Phil is known by name only.
            {"name": {"firstName": "PHIL", "lastName": "collins"}, "emails": {"primaryEmail": "pc@example.com"}},
            {"name": {"firstName": "John", "lastName": "Smith"}},
        ],
        actor,
    )


def names(records: list[dict]) -> list[str]:
    return sorted(f"{r['name']['firstName']} {r['name']['lastName']}" for r in records)


# --- Duplicates -------------------------------------------------------------------------------


def test_people_with_the_same_name_are_duplicates_of_new_data(api, people):
    response = send(
        api, "post", "/rest/people/duplicates", {"data": [{"name": {"firstName": "John", "lastName": "Doe"}}]}
    )
    assert response.status_code == 200, response.content
    (answer,) = response.json()["data"]
    assert answer["totalCount"] == 2
    assert names(answer["personDuplicates"]) == ["John Doe", "john DOE"]


def test_a_records_duplicates_leave_it_out(api, people):
    response = send(api, "post", "/rest/people/duplicates", {"ids": [people[0]["id"], people[2]["id"]]})
    john, phil = response.json()["data"]
    assert [p["id"] for p in john["personDuplicates"]] == [people[1]["id"]]
    assert [p["id"] for p in phil["personDuplicates"]] == [people[3]["id"]]


def test_new_data_with_a_known_email_in_any_case_is_a_duplicate(api, people):
    response = send(api, "post", "/rest/people/duplicates", {"data": [{"emails": {"primaryEmail": "PC@Example.com"}}]})
    (answer,) = response.json()["data"]
    assert [p["id"] for p in answer["personDuplicates"]] == [people[3]["id"]]


def test_no_duplicates_is_an_empty_answer_not_an_error(api, people):
    response = send(
        api, "post", "/rest/people/duplicates", {"data": [{"name": {"firstName": "Not", "lastName": "Here"}}]}
    )
    assert response.json()["data"] == [
        {
            "personDuplicates": [],
            "totalCount": 0,
            "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None},
        }
    ]
    assert send(api, "post", "/rest/people/duplicates", {"ids": []}).json()["data"] == []


def test_deleted_people_and_other_workspaces_are_no_duplicates(api, people, workspace, other_workspace, actor):
    delete_record(workspace, "person", people[1]["id"], actor)
    create_record(other_workspace, "person", {"name": {"firstName": "John", "lastName": "Doe"}}, actor)
    response = send(api, "post", "/rest/people/duplicates", {"ids": [people[0]["id"]]})
    assert response.json()["data"][0]["totalCount"] == 0


def test_companies_with_the_same_domain_or_name_are_duplicates(api, workspace, actor):
    acme, _, initech = create_records(
        workspace,
        "company",
        [
            {"name": "Acme", "domainName": {"primaryLinkUrl": "https://www.acme.com/"}},
            {"name": "ACME Inc.", "domainName": {"primaryLinkUrl": "acme.com"}},
            {"name": "Initech", "domainName": {"primaryLinkUrl": "https://initech.example"}},
        ],
        actor,
    )
    create_record(workspace, "company", {"name": "initech"}, actor)
    by_domain, by_name = send(api, "post", "/rest/companies/duplicates", {"ids": [acme["id"], initech["id"]]}).json()[
        "data"
    ]
    assert [c["name"] for c in by_domain["companyDuplicates"]] == ["ACME Inc."]
    assert [c["name"] for c in by_name["companyDuplicates"]] == ["initech"]
    lookalike = send(
        api, "post", "/rest/companies/duplicates", {"data": [{"domainName": {"primaryLinkUrl": "http://acme.com"}}]}
    )
    assert lookalike.json()["data"][0]["totalCount"] == 2


def test_depth_1_embeds_the_duplicates_relations(api, people):
    response = send(api, "post", "/rest/people/duplicates?depth=1", {"ids": [people[1]["id"]]})
    (duplicate,) = response.json()["data"][0]["personDuplicates"]
    assert duplicate["company"]["name"] == "Acme"
    plain = send(api, "post", "/rest/people/duplicates", {"ids": [people[1]["id"]]})
    assert "company" not in plain.json()["data"][0]["personDuplicates"][0]


@pytest.mark.parametrize(
    "body, message",
    [
        ({}, 'You have to provide either "data" or "ids" argument'),
        ({"data": []}, 'The "data" condition can not be empty when "ids" input not provided'),
        ({"data": [], "ids": []}, 'You cannot provide both "data" and "ids" arguments'),
        ({"data": [{"name": {"nickname": "J"}}]}, "unknown sub-field"),
    ],
)
def test_a_duplicate_search_that_cannot_run_is_a_400(api, body, message):
    response = send(api, "post", "/rest/people/duplicates", body)
    assert response.status_code == 400
    assert response.json()["error"] == "BadRequestException"
    assert message in response.json()["messages"][0]


def test_ids_of_no_record_are_passed_over_as_in_twenty(api, people):
    unknown = "6f1c2d3e-4b5a-4978-8a6b-5c4d3e2f1a0b"

    response = send(api, "post", "/rest/people/duplicates", {"ids": [unknown, people[1]["id"]]})

    assert response.status_code == 200
    assert [len(answer["personDuplicates"]) for answer in response.json()["data"]] == [1]
    assert send(api, "post", "/rest/people/duplicates", {"ids": [unknown]}).json() == {"data": []}


def test_duplicates_and_merges_keep_only_the_fields_asked_for(api, people):
    found = send(api, "post", "/rest/people/duplicates?fields=id,city", {"ids": [people[1]["id"]]}).json()["data"][0]
    assert [set(record) for record in found["personDuplicates"]] == [{"id", "city"}]
    assert found["pageInfo"]["hasPreviousPage"] is False

    body = {"ids": [people[0]["id"], people[1]["id"]], "conflictPriorityIndex": 0, "dryRun": True}
    merged = send(api, "patch", "/rest/people/merge?fields=id", body).json()["data"]["mergePerson"]
    assert merged == {"id": people[0]["id"]}
    assert send(api, "patch", "/rest/people/merge?fields=nope", body).status_code == 400


def test_only_people_and_companies_have_duplicates(api):
    response = send(api, "post", "/rest/opportunities/duplicates", {"data": [{"name": "Deal"}]})
    assert response.status_code == 400
    fields = graphql(api, "{ __schema { queryType { fields { name } } } }")["data"]["__schema"]["queryType"]["fields"]
    assert {"personDuplicates", "companyDuplicates"} <= {f["name"] for f in fields}
    assert "opportunityDuplicates" not in {f["name"] for f in fields}


def test_a_read_only_key_may_search_duplicates(read_only_token, people):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {read_only_token}")
    response = send(client, "post", "/rest/people/duplicates", {"ids": [people[0]["id"]]})
    assert response.status_code == 200


def test_graphql_finds_duplicates_by_ids_and_by_data(api, people):
    body = graphql(
        api,
        """query($ids: [UUID!], $data: [PersonCreateInput!]) {
          byIds: personDuplicates(ids: $ids) { totalCount edges { node { id company { name } } } }
          byData: personDuplicates(data: $data) { totalCount edges { node { name { firstName } } } }
        }""",
        {"ids": [people[0]["id"]], "data": [{"emails": {"primaryEmail": "phil@EXAMPLE.com"}}]},
    )
    assert "errors" not in body, body
    (by_ids,) = body["data"]["byIds"]
    assert by_ids["totalCount"] == 1 and by_ids["edges"][0]["node"] == {"id": people[1]["id"], "company": None}
    (by_data,) = body["data"]["byData"]
    assert [edge["node"]["name"]["firstName"] for edge in by_data["edges"]] == ["Phil"]


# --- Merge ------------------------------------------------------------------------------------


@pytest.fixture
def duplicates(workspace, actor) -> dict:
    """Two records of the same person, each with notes, tasks and deals of their own."""
    company = create_record(workspace, "company", {"name": "Acme"}, actor)
    kept, other = create_records(
        workspace,
        "person",
        [
            {
                "name": {"firstName": "John", "lastName": "Doe"},
                "city": "Paris",
                "emails": {"primaryEmail": "john@example.com", "additionalEmails": ["shared@example.com"]},
            },
            {
                "name": {"firstName": "John", "lastName": "Doe"},
                "city": "Lyon",
                "jobTitle": "CTO",
                "companyId": company["id"],
                "emails": {"primaryEmail": "jd@example.com", "additionalEmails": ["shared@example.com"]},
                "phones": {"primaryPhoneNumber": "5550100", "primaryPhoneCallingCode": "+1"},
            },
        ],
        actor,
    )
    note = create_record(workspace, "note", {"title": "Met John"}, actor)
    task = create_record(workspace, "task", {"title": "Call John"}, actor)
    note_target = create_record(workspace, "noteTarget", {"noteId": note["id"], "personId": other["id"]}, actor)
    task_target = create_record(workspace, "taskTarget", {"taskId": task["id"], "personId": other["id"]}, actor)
    deal = create_record(workspace, "opportunity", {"name": "Deal", "pointOfContactId": other["id"]}, actor)
    return {
        "kept": kept,
        "other": other,
        "company": company,
        "note_target": note_target,
        "task_target": task_target,
        "deal": deal,
    }


def merge(api: Client, ids: list[str], index: int = 0, **extra: object):
    return send(api, "patch", "/rest/people/merge", {"ids": ids, "conflictPriorityIndex": index, **extra})


def test_a_merge_keeps_the_priority_record_fills_its_gaps_and_deletes_the_others(api, duplicates):
    kept, other = duplicates["kept"], duplicates["other"]
    response = merge(api, [kept["id"], other["id"]])
    assert response.status_code == 200, response.content
    merged = response.json()["data"]["mergePerson"]
    assert merged["id"] == kept["id"]
    assert merged["city"] == "Paris"  # the kept record's value wins
    assert merged["jobTitle"] == "CTO" and merged["companyId"] == duplicates["company"]["id"]  # its gaps are filled
    assert merged["emails"] == {
        "primaryEmail": "john@example.com",
        "additionalEmails": ["shared@example.com", "jd@example.com"],
    }
    assert merged["phones"]["primaryPhoneNumber"] == "5550100"
    assert api.get(f"/rest/people/{kept['id']}").status_code == 200
    assert api.get(f"/rest/people/{other['id']}").status_code == 404
    # Soft-deleted: the merged-away record can still be restored.
    assert send(api, "patch", f"/rest/restore/people/{other['id']}", {}).status_code == 200


def test_a_merge_moves_note_and_task_targets_and_relations_to_the_kept_record(api, duplicates):
    kept, other = duplicates["kept"], duplicates["other"]
    merge(api, [kept["id"], other["id"]])
    person = api.get(f"/rest/people/{kept['id']}?depth=1").json()["data"]["person"]
    assert [t["id"] for t in person["noteTargets"]] == [duplicates["note_target"]["id"]]
    assert [t["id"] for t in person["taskTargets"]] == [duplicates["task_target"]["id"]]
    assert [o["id"] for o in person["pointOfContactForOpportunities"]] == [duplicates["deal"]["id"]]
    target = api.get(f"/rest/noteTargets/{duplicates['note_target']['id']}").json()["data"]["noteTarget"]
    assert target["personId"] == kept["id"]


def test_a_merge_announces_an_event_for_every_record_it_changed(api, workspace, duplicates, webhook):
    kept, other = duplicates["kept"], duplicates["other"]
    before = set(Event.objects.values_list("id", flat=True))
    merge(api, [kept["id"], other["id"]])
    events = Event.objects.exclude(id__in=before)
    announced = {(event.name, str(event.record_id)) for event in events}
    assert announced == {
        ("noteTarget.updated", duplicates["note_target"]["id"]),
        ("taskTarget.updated", duplicates["task_target"]["id"]),
        ("opportunity.updated", duplicates["deal"]["id"]),
        ("person.deleted", other["id"]),
        ("person.updated", kept["id"]),
    }
    moved = events.get(name="noteTarget.updated")
    assert moved.updated_fields == ["personId"] and moved.previous == {"personId": other["id"]}
    assert moved.record["personId"] == kept["id"]
    # Each event goes to the webhook.
    assert Delivery.objects.filter(endpoint=webhook, event__in=events).count() == 5


def test_a_merge_is_all_or_nothing(api, workspace, actor, duplicates, monkeypatch):
    import crm.services.merge

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    # The other record cannot be deleted: the targets and the deal moved before must stay put.
    monkeypatch.setattr(crm.services.merge, "delete_record", fail)
    events_before = Event.objects.count()
    with pytest.raises(RuntimeError):
        crm.services.merge.merge_records(
            workspace, "person", [duplicates["kept"]["id"], duplicates["other"]["id"]], 0, actor
        )
    target = api.get(f"/rest/noteTargets/{duplicates['note_target']['id']}").json()["data"]["noteTarget"]
    assert target["personId"] == duplicates["other"]["id"]
    assert Event.objects.count() == events_before


def test_a_dry_run_answers_the_merge_and_changes_nothing(api, duplicates):
    kept, other = duplicates["kept"], duplicates["other"]
    events_before = Event.objects.count()
    response = merge(api, [kept["id"], other["id"]], 1, dryRun=True)
    preview = response.json()["data"]["mergePerson"]
    assert preview["id"] == other["id"] and preview["city"] == "Lyon"
    assert preview["emails"]["additionalEmails"] == ["shared@example.com", "john@example.com"]
    assert api.get(f"/rest/people/{kept['id']}").status_code == 200
    assert api.get(f"/rest/people/{other['id']}").json()["data"]["person"]["emails"]["primaryEmail"] == "jd@example.com"
    assert Event.objects.count() == events_before


def test_graphql_merges_into_the_record_at_the_priority_index(api, duplicates):
    kept, other = duplicates["kept"], duplicates["other"]
    body = graphql(
        api,
        """mutation($ids: [UUID!]!) {
          mergePeople(ids: $ids, conflictPriorityIndex: 1) {
            id city emails { primaryEmail additionalEmails } company { name } noteTargets { totalCount }
          }
        }""",
        {"ids": [kept["id"], other["id"]]},
    )
    assert "errors" not in body, body
    merged = body["data"]["mergePeople"]
    assert merged["id"] == other["id"] and merged["city"] == "Lyon"
    assert merged["emails"] == {
        "primaryEmail": "jd@example.com",
        "additionalEmails": ["shared@example.com", "john@example.com"],
    }
    assert merged["company"] == {"name": "Acme"} and merged["noteTargets"] == {"totalCount": 1}
    assert api.get(f"/rest/people/{kept['id']}").status_code == 404


def test_merging_companies_moves_their_people_and_notes(api, workspace, actor):
    kept, other = create_records(workspace, "company", [{"name": "Acme"}, {"name": "ACME", "employees": 50}], actor)
    person = create_record(workspace, "person", {"name": {"firstName": "Ada"}, "companyId": other["id"]}, actor)
    note = create_record(workspace, "note", {"title": "Renewal"}, actor)
    create_record(workspace, "noteTarget", {"noteId": note["id"], "companyId": other["id"]}, actor)
    merged = send(
        api, "patch", "/rest/companies/merge?depth=1", {"ids": [kept["id"], other["id"]], "conflictPriorityIndex": 0}
    ).json()["data"]["mergeCompany"]
    assert merged["name"] == "Acme" and merged["employees"] == 50
    assert [p["id"] for p in merged["people"]] == [person["id"]]
    assert len(merged["noteTargets"]) == 1


@pytest.mark.parametrize(
    "body, message",
    [
        ({"ids": ["KEPT"], "conflictPriorityIndex": 0}, "must list 2 to"),
        ({"ids": ["KEPT", "KEPT"], "conflictPriorityIndex": 0}, "appears twice"),
        ({"ids": ["KEPT", "OTHER"], "conflictPriorityIndex": 2}, "must be from 0 to 1"),
        ({"ids": ["KEPT", "OTHER"]}, "conflictPriorityIndex"),
        ({"ids": ["KEPT", "6f1c2d3e-4b5a-4978-8a6b-5c4d3e2f1a0b"], "conflictPriorityIndex": 0}, "no person with id"),
        ({"ids": ["KEPT", "OTHER"], "conflictPriorityIndex": 0, "dryRun": "yes"}, "dryRun"),
    ],
)
def test_a_merge_that_cannot_run_is_a_400_and_changes_nothing(api, duplicates, body, message):
    ids = {"KEPT": duplicates["kept"]["id"], "OTHER": duplicates["other"]["id"]}
    body = {**body, "ids": [ids.get(value, value) for value in body["ids"]]}
    response = send(api, "patch", "/rest/people/merge", body)
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()["messages"])
    assert api.get(f"/rest/people/{duplicates['other']['id']}").status_code == 200


def test_a_read_only_key_cannot_merge(read_only_token, duplicates):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {read_only_token}")
    response = merge(client, [duplicates["kept"]["id"], duplicates["other"]["id"]])
    assert response.status_code == 403
    mutation = "mutation($ids: [UUID!]!) { mergePeople(ids: $ids, conflictPriorityIndex: 0) { id } }"
    answer = send(client, "post", "/graphql", {"query": mutation, "variables": {"ids": [duplicates["kept"]["id"]]}})
    assert answer.status_code == 403
