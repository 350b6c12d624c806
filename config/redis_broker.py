"""kombu's Redis transport, with each channel keeping its client.

kombu's Redis channel builds a new ``redis.Redis`` client for every message it
publishes (and every other command it sends), although all of them share the channel's
connection pool; building one fills its table of response callbacks anew, which is
about a fifth of the CPU a publish costs. A writer publishes after commits that have
webhook deliveries, so the channel here keeps one client per pool instead. Everything
else is kombu's own. Selected by CELERY_BROKER_TRANSPORT for redis:// broker URLs.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    _kept_client: Any = None

    def _create_client(self, asynchronous: bool = False) -> Any:
        if asynchronous:
            return super()._create_client(asynchronous=True)
        pool = self.pool  # made anew after kombu drops it on a connection error
        if self._kept_client is None or self._kept_client.connection_pool is not pool:
            self._kept_client = super()._create_client()
        return self._kept_client


class Transport(kombu_redis.Transport):
    Channel = Channel
