import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "o2r.settings")
# The web process shares a bounded connection pool between its requests (see settings.DB_POOL);
# gunicorn imports this module before the settings. O2R_DB_POOL=false turns it off.
os.environ.setdefault("O2R_DB_POOL", "true")
application = get_wsgi_application()
