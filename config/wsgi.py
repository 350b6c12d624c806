"""The WSGI app: Django's handler, with the busiest API views answered beside its
middleware chain (config/api_lane.py says why and how they stay the same).

The web process serves it through config/web_app.py; any other WSGI server can serve
``config.wsgi:application``.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# What django.core.wsgi.get_wsgi_application does before making its handler.
django.setup(set_prefix=False)

from config.api_lane import LaneWSGIHandler  # noqa: E402  (needs the apps loaded)

application = LaneWSGIHandler()
