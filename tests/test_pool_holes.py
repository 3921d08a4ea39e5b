"""Issue 25, item 12: a short time limit is no death spiral. A render past the limit is a 503
for its request, and its worker finishes in the background instead of being killed for its
own warm-up; workers that keep dying are replaced ever more slowly, and /healthz says so."""

import os
import signal

import pytest

from generator.content import patient as patient_module
from generator.parallel.desk_pool import Busy, RenderPool, RenderTimeout
from generator.paths import CONTENT
from generator.sheet.model import Options
from generator.web.app import create_app

from .conftest import pdf_text, wait_for
from .test_pool import SHIPPED, TODAY, render

pytestmark = pytest.mark.load  # starts and kills real worker processes


def new_kind(pool, name: str, day: str):
    """A sheet of a kind the workers have not made yet (its own date): never the reused
    path, which can finish within any limit."""
    patient = patient_module.make(name, day)
    policy = SHIPPED.policy("microneedling")
    return pool.render(SHIPPED.clinic, policy, patient, TODAY, Options())


def running(pool, pid: int) -> bool:
    """Whether the pool holds a live worker of that process id."""
    return any(w.process.pid == pid and w.alive() for w in list(pool._workers))


def test_a_short_time_limit_never_kills_a_worker_and_serving_recovers():
    pool = RenderPool(CONTENT, size=2, timeout=0.05, queue_timeout=30)
    try:
        before = sorted(pool.pids)
        for number in range(6):
            with pytest.raises(RenderTimeout):  # each a new procedure date: a full render
                new_kind(pool, f"Slow Patient {number}", f"2026-10-{number + 10}")
        assert sorted(pool.pids) == before and pool.replacements == 0
        assert not pool.failing()
        pool.timeout = 60
        assert wait_for(lambda: pool._idle.qsize() == 2, 60)  # both finished late
        assert "Next Patient" in pdf_text(render(pool, "Next Patient").pdf)
        assert sorted(pool.pids) == before
    finally:
        pool.close()


def test_workers_that_keep_dying_back_off_and_healthz_is_not_ok(live_content):
    pool = RenderPool(CONTENT, size=1, timeout=60, queue_timeout=60)
    client = create_app(live_content, pool).test_client()
    try:
        assert client.get("/healthz").status_code == 200
        for _death in range(2):
            assert wait_for(lambda: pool.ready_count() == 1, 60)
            [pid] = pool.pids
            os.kill(pid, signal.SIGKILL)
            assert wait_for(lambda p=pid: not running(pool, p), 10)
            pool.queue_timeout = 0.2
            with pytest.raises(Busy):  # the dead worker is met (or reaped), retired and replaced
                render(pool, "Dying Desk")
            pool.queue_timeout = 60
        assert pool.failing() and pool.pids == []  # the next start waits: no spinning
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json["status"] == "unavailable"
        assert health.json["renderers"] == 0
        assert "Back Again" in pdf_text(render(pool, "Back Again").pdf)
        assert not pool.failing() and client.get("/healthz").status_code == 200
    finally:
        pool.close()


def test_dead_idle_workers_are_replaced_without_a_sheet_request(live_content):
    """Issue 25: an idle desk whose render workers are killed says so on /healthz only until
    their replacements are ready, not until the next sheet request takes a dead one."""
    pool = RenderPool(CONTENT, size=2, timeout=1.0, queue_timeout=30)
    client = create_app(live_content, pool).test_client()
    try:
        assert wait_for(lambda: pool.ready_count() == 2, 60)
        killed = sorted(pool.pids)
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        assert wait_for(lambda: client.get("/healthz").json["renderers"] == 0, 10)

        def healthy() -> bool:
            health = client.get("/healthz")
            return health.status_code == 200 and health.json["renderers"] == 2

        assert wait_for(healthy, 20)  # no sheet was asked for
        health = client.get("/healthz").json
        assert health["status"] == "ok" and not set(pool.pids) & set(killed)
        assert pool.replacements == 2 and not pool.failing()
    finally:
        pool.close()
