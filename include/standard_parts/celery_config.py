"""Celery settings of the standard-parts workers: Airflow's defaults, plus a warm start.

Point ``[celery] celery_config_options`` (``AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS``) at
``standard_parts.celery_config.CELERY_CONFIG``. The settings are Airflow's own, unchanged; importing
this module also connects Celery's ``worker_init`` signal, so each worker imports
:mod:`standard_parts.warm` once when it starts, before its pool forks. Airflow 3 forks every task
from the worker, so a task starts with Great Expectations already loaded instead of paying ~3 s for it
(README, issue #15). The scheduler imports this module too; the signal never fires there.
"""

from __future__ import annotations

import importlib

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
from celery.signals import worker_init

# The same object, not a copy: with Airflow's multi-team executors the provider recognises it and
# keeps each team's own settings (celery_executor_utils.create_celery_app).
CELERY_CONFIG = DEFAULT_CELERY_CONFIG


@worker_init.connect
def warm_worker(**_kwargs) -> None:
    importlib.import_module("standard_parts.warm")
