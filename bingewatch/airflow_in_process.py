"""Airflow's start-up for an in-process run (`bingewatch run`, `dag.test()`), without the parts
that do nothing for it.

Two costs were most of a quiet night (docs/benchmarks.md, "A quiet night"):

- **The metadata database check.** `upgradedb()` on a database that is already current still
  loads every alembic migration script and walks the revision graph: about 3 s of every run.
  ``metadata_db_is_current`` reads the one-row ``alembic_version`` table instead and compares it
  with this Airflow release's head revision; only a new or older database is migrated.
- **The in-process execution API.** `dag.test()` answers its tasks' Task SDK calls through an
  in-process copy of Airflow's execution API, built on the first call, and Cadwyn generates
  routers and schemas for every API version Airflow still serves to older workers (ten since
  2025-04): 5–7 s of every run, for a client that speaks exactly one version, the Task SDK's own.
  ``serve_only_the_task_sdk_api_version`` builds that app for that version alone.

A third cost was most of every failed night:

- **A failure's downstream states, one level a second.** After a task fails, Airflow marks its
  downstream tasks `upstream_failed` (or lets an `all_done` teardown run) one level of the graph
  per scheduling pass, because each pass judges every task against the states it read at its
  start. `dag.test()` sleeps 1 s after every pass that finds nothing to run: about 7 s of every
  failed night here. ``settle_dependency_states_in_one_pass`` has a pass repeat Airflow's own
  dependency evaluation while it keeps changing states and nothing is runnable yet, so the same
  states are reached in one pass; a pass that changes nothing (a task waiting on a retry delay, a
  reschedule or a trigger) returns as before, and `dag.test()` waits as before.

All three touch Airflow internals (pinned in uv.lock) and fall back to Airflow's own path when
what they rely on is not there: a revision map without this release, a Task SDK speaking another
version than the API's newest, a DagRun without the scheduling method. tests/test_airflow_in_process.py
holds them to Airflow's answers. A deployment's scheduler and API server never run this module.
"""

from __future__ import annotations

import functools
import logging

log = logging.getLogger(__name__)


def head_revision() -> str | None:
    """This Airflow release's newest metadata-database revision, from Airflow's map of release to
    head revision (the newest release at or below the installed one); None if the map is missing."""
    from airflow import __version__
    from packaging.version import Version

    try:
        from airflow.utils.db import _REVISION_HEADS_MAP
    except ImportError:
        return None
    installed = Version(Version(__version__).base_version)
    releases = [(Version(release), revision) for release, revision in _REVISION_HEADS_MAP.items()]
    known = [(release, revision) for release, revision in releases if release <= installed]
    return max(known)[1] if known else None


def metadata_db_is_current() -> bool:
    """True when the configured metadata database exists and is at this release's head revision."""
    from airflow import settings
    from sqlalchemy import inspect, text

    head = head_revision()
    if head is None:
        return False
    with settings.engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        current = connection.execute(text("select version_num from alembic_version")).scalars().all()
    return current == [head]


def migrate_metadata_db() -> None:
    """Create or upgrade Airflow's metadata database, unless it is already current."""
    if metadata_db_is_current():
        return
    from airflow.utils.db import upgradedb

    upgradedb()


def serve_only_the_task_sdk_api_version() -> bool:
    """Have the next in-process execution API app serve the Task SDK's API version only.

    Replaces, for this process, the execution API's version bundle by one holding that version,
    and its router by a copy without the routes Cadwyn keeps only for older versions (the newest
    version never routes to them). Returns False, changing nothing, when the Task SDK's version is
    not the API's newest (the full app is then needed). Idempotent.
    """
    from airflow.api_fastapi.execution_api import routes, versions
    from airflow.sdk.api.datamodels._generated import API_VERSION
    from cadwyn import HeadVersion, Version, VersionBundle
    from cadwyn.route_generation import _DELETED_ROUTE_TAG, copy_router
    from fastapi.routing import APIRoute

    if [version.value for version in versions.bundle.versions] == [API_VERSION]:
        return True
    if versions.bundle.versions[0].value != API_VERSION:
        log.warning(
            "the Task SDK speaks execution API %s, the API's newest is %s: serving every version",
            API_VERSION,
            versions.bundle.versions[0].value,
        )
        return False
    router = copy_router(routes.execution_api_router)
    router.routes = [
        route
        for route in router.routes
        if not (isinstance(route, APIRoute) and _DELETED_ROUTE_TAG in route.tags)
    ]
    versions.bundle = VersionBundle(HeadVersion(), Version(API_VERSION))
    routes.execution_api_router = router
    return True


def settle_dependency_states_in_one_pass() -> bool:
    """Have each scheduling pass of a DAG run in this process repeat Airflow's dependency
    evaluation until it stops changing task states or finds a task to run.

    Patches ``DagRun.task_instance_scheduling_decisions`` for this process. Each repetition is
    Airflow's own evaluation (trigger rules, `upstream_failed`, skips) against the states the last
    one left, so a failure's whole downstream settles in the pass after it instead of one level
    per `dag.test()` loop and its 1-s sleep. Bounded by the run's task count: every repetition
    that changes something finishes at least one task. Returns False, changing nothing, when
    Airflow has no such method. Idempotent.
    """
    from airflow.models.dagrun import DagRun

    original = getattr(DagRun, "task_instance_scheduling_decisions", None)
    if original is None:
        log.warning("DagRun has no task_instance_scheduling_decisions: failed runs settle slowly")
        return False
    if getattr(original, "settles_in_one_pass", False):
        return True

    @functools.wraps(original)
    def settled(self, *args, **kwargs):
        decision = original(self, *args, **kwargs)
        for _ in range(len(decision.tis)):
            if decision.schedulable_tis or not decision.changed_tis or not decision.unfinished_tis:
                break
            decision = original(self, *args, **kwargs)
        return decision

    settled.settles_in_one_pass = True
    DagRun.task_instance_scheduling_decisions = settled
    return True
