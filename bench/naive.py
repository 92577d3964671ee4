"""The naive pattern the engine is measured against: one django-q2 task per contact step.

Each task loads its enrollment through the ORM, runs one node through the same pure handlers
the walker uses, saves the step log, any message and the enrollment row by row, and enqueues
the task for the next step (for a wait, the task carries the wake time as its `now`: the
virtual-time equivalent of scheduling it then). A real qcluster on the ORM broker runs them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime
from typing import Any

from bench.common import ROOT, database_env
from bench.population import START, VISITS_PER_CONTACT, enroll_population, published_pipeline

STEP = "bench.naive.step"


def step(enrollment_id: int, now_text: str) -> None:
    """Advance one enrollment by one node visit, then enqueue its next step."""
    from django_q.tasks import async_task

    from channels_plugins.models import ChannelAccount, Message
    from core.services.segments import BatchFacts
    from core.timing import first_zone
    from journeys.engine.batch import ContactState
    from journeys.engine.graph import graph_for
    from journeys.engine.step_log import PassRow, record_passes
    from journeys.models import Enrollment, EnrollmentStatus
    from journeys.nodes import handle
    from journeys.nodes.base import Advance, Finish, JourneyInfo, SendMessage, Sleep, Visit

    now = datetime.fromisoformat(now_text)
    enrollment = Enrollment.objects.select_related("contact__workspace", "journey", "version").get(
        pk=enrollment_id
    )
    version, contact = enrollment.version, enrollment.contact
    state = ContactState.of(contact)
    graph = graph_for(version.pk, version.checksum, version.definition)
    node = graph.nodes[enrollment.node_id]
    transition = handle(
        Visit(
            node=node,
            contact=state.snapshot(),
            template_contact=state.template_data(),
            zone=first_zone(contact.timezone, contact.workspace.timezone),
            now=now,
            arrived_at=datetime.fromisoformat(enrollment.context["arrived_at"]),
            data=enrollment.context,
            event=None,
            journey=JourneyInfo(enrollment.journey_id, enrollment.journey.name, None),
            facts=BatchFacts(),
        )
    )
    if isinstance(transition, Sleep):
        enrollment.status, enrollment.wake_at = EnrollmentStatus.WAITING, transition.until
        enrollment.save()
        async_task(STEP, enrollment_id, transition.until.isoformat())
        return
    enrollment.visit += 1
    port = transition.port if isinstance(transition, Advance) else ""
    record_passes(  # a pass of one visit: each task walks one step
        [PassRow(enrollment.pk, enrollment.visit, now, [[node["id"], port]])],
        {enrollment.pk: enrollment.version_id},
    )
    if isinstance(transition, Finish):
        enrollment.status, enrollment.finished_at = transition.status, now
        enrollment.save()
        return
    assert isinstance(transition, Advance)
    for effect in transition.effects:
        if isinstance(effect, SendMessage):
            Message.objects.create(
                workspace_id=enrollment.workspace_id,
                contact=contact,
                channel=effect.channel,
                account=ChannelAccount.objects.get(
                    workspace_id=enrollment.workspace_id, name=effect.account
                ),
                category=effect.category,
                journey_id=enrollment.journey_id,
                node_id=node["id"],
                enrollment_id=enrollment.pk,
                content=dict(effect.content),
                idempotency_key=f"{enrollment.pk}:{node['id']}:{enrollment.visit}",
                created_at=now,
            )
    target = graph.target(node["id"], transition.port)
    assert target is not None
    enrollment.node_id = target
    enrollment.context = {**enrollment.context, **transition.data, "arrived_at": now_text}
    enrollment.status = EnrollmentStatus.ACTIVE
    enrollment.save()
    async_task(STEP, enrollment_id, now_text)


def _cluster(var_dir: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, **database_env(var_dir)}
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def measure(var_dir: str, sample: int, *, timeout: float = 900.0) -> dict[str, Any]:
    """Steps per second for `sample` contacts walked by tasks through a real qcluster, on the
    (migrated, configured) database in `var_dir`."""
    from django_q.models import Schedule
    from django_q.tasks import async_task, result

    from journeys.models import Enrollment, StepLog

    Schedule.objects.all().delete()  # the engine's own pump must not join in
    version = published_pipeline("naive")
    enroll_population(version, sample, wake_at=None)  # unclaimable: the tasks own them
    ids = list(Enrollment.objects.order_by("id").values_list("id", flat=True))
    cluster = _cluster(var_dir)
    try:
        warm_up = async_task("math.floor", 1.5)
        if result(warm_up, wait=120_000) != 1:
            raise RuntimeError("The qcluster did not run a task within two minutes.")
        expected = sample * VISITS_PER_CONTACT
        start = time.perf_counter()
        for enrollment_id in ids:
            async_task(STEP, enrollment_id, START.isoformat())
        while (steps := StepLog.objects.count()) < expected:
            if time.perf_counter() - start > timeout:
                raise RuntimeError(f"Naive run stalled at {steps} of {expected} steps.")
            time.sleep(0.05)
        seconds = time.perf_counter() - start
    finally:
        cluster.terminate()
        cluster.wait(timeout=60)
    return {"naive_q_steps": steps, "naive_q_steps_per_s": round(steps / seconds, 1)}
