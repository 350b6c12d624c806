"""Upgrading moves each lease a delivery held in the old single column to the column
named for it, by the delivery's state; downgrading puts them back."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from migration_steps import at_the_latest_state_afterwards, migrate  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db(transaction=True)

ONE_COLUMN = [("webhooks", "0003_fewer_indexes")]
TWO_COLUMNS = [("webhooks", "0004_split_delivery_leases")]


def write_deliveries(apps, workspace, fields_by_status: dict[str, dict]) -> dict[str, uuid.UUID]:
    """One delivery per status, with the given fields, through the models of ``apps``."""
    endpoint = apps.get_model("webhooks", "WebhookEndpoint").objects.create(
        workspace_id=workspace.id, target_url="https://example.com/hook", secret="whsec_x"
    )
    event = apps.get_model("webhooks", "Event").objects.create(
        workspace_id=workspace.id, name="person.created", object_name="person", action="created"
    )
    Delivery = apps.get_model("webhooks", "Delivery")
    return {
        status: Delivery.objects.create(event=event, endpoint=endpoint, status=status, **fields).id
        for status, fields in fields_by_status.items()
    }


@pytest.mark.usefixtures("at_the_latest_state_afterwards")
def test_upgrading_moves_each_lease_to_the_column_of_its_state(workspace):
    lease = timezone.now() + timedelta(seconds=90)
    statuses = ("pending", "delivering", "succeeded", "failed")
    ids = write_deliveries(migrate(ONE_COLUMN), workspace, {status: {"claimed_until": lease} for status in statuses})

    Delivery = migrate(TWO_COLUMNS).get_model("webhooks", "Delivery")

    leases = {
        status: Delivery.objects.values_list("queued_until", "sending_until").get(id=delivery_id)
        for status, delivery_id in ids.items()
    }
    # A settled delivery's leftover lease meant nothing and is gone.
    assert leases == {
        "pending": (lease, None),
        "delivering": (None, lease),
        "succeeded": (None, None),
        "failed": (None, None),
    }


@pytest.mark.usefixtures("at_the_latest_state_afterwards")
def test_downgrading_puts_both_leases_back_in_the_one_column(workspace):
    lease = timezone.now() + timedelta(seconds=90)
    ids = write_deliveries(
        migrate(TWO_COLUMNS),
        workspace,
        {
            "pending": {"queued_until": lease},
            "delivering": {"sending_until": lease, "claim_token": uuid.uuid4()},
            "succeeded": {},
            "failed": {},
        },
    )

    Delivery = migrate(ONE_COLUMN).get_model("webhooks", "Delivery")

    claimed = dict(Delivery.objects.values_list("id", "claimed_until"))
    assert {status: claimed[delivery_id] for status, delivery_id in ids.items()} == {
        "pending": lease,
        "delivering": lease,
        "succeeded": None,
        "failed": None,
    }
