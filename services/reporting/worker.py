"""Reporting's Celery app: compiling periodic reports runs here (``celery -A services.reporting.worker``)."""

from services.reporting.settings import Settings
from shared.celery_app import make_celery

settings = Settings()
app = make_celery(settings, queue="reporting")
