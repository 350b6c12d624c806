from webhooks.models.event import Event

__all__ = ["Event"]
