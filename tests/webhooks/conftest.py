"""The webhook tests: each module sends through a broker folder or queue of its own."""

import pytest


@pytest.fixture(scope="module", autouse=True)
def own_broker(webhook_broker: object) -> object:
    return webhook_broker
