from webhooks.models.attempt import Attempt
from webhooks.models.delivery import Delivery
from webhooks.models.endpoint import WebhookEndpoint
from webhooks.models.event import Event

__all__ = ["Attempt", "Delivery", "Event", "WebhookEndpoint"]
