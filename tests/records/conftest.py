import pytest

from webhooks.services.endpoints import create_endpoint


@pytest.fixture
def webhook(workspace, settings):
    """An endpoint for every event of the workspace, so each write records its events."""
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    return create_endpoint(workspace, target_url="http://127.0.0.1:9/hook", operations=["*.*"])
