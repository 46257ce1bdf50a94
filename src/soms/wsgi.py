import os

from django.core.wsgi import get_wsgi_application

from soms.heap import settle

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soms.settings")
application = get_wsgi_application()
# Each gunicorn worker imports this module once: its start-up heap out of the collector's sight.
settle()
