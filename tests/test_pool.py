"""The render pool: the time limit covers the render only, waiting has its own limit, and a
worker that dies or never starts is replaced without costing a request."""

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from generator.content import patient as patient_module
from generator.content.policy import load
from generator.parallel.desk_pool import Busy, RenderPool, _Worker
from generator.paths import CONTENT
from generator.project import Project
from generator.sheet.model import Options
from generator.web.app import create_app

from .conftest import pdf_text, wait_for
from .test_web import post_sheet

pytestmark = pytest.mark.load  # starts, kills and replaces real worker processes
TODAY = date(2026, 11, 23)


SHIPPED = Project(CONTENT)


def render(pool, name="Jane Doe"):
    patient = patient_module.make(name, "2026-11-23")
    policy = SHIPPED.policy("microneedling")
    return pool.render(SHIPPED.clinic, policy, patient, TODAY, Options())


@pytest.fixture(scope="module")
def one_worker():
    pool = RenderPool(CONTENT, size=1, timeout=60, queue_timeout=60)
    yield pool
    pool.close()


def test_waiting_for_a_worker_does_not_count_against_the_render_time_limit(one_worker):
    started = time.monotonic()
    render(one_worker)
    one_render = time.monotonic() - started
    one_worker.timeout = max(2.0, one_render * 3)  # each render fits; six in a queue do not
    try:
        with ThreadPoolExecutor(6) as executor:
            results = list(executor.map(lambda i: render(one_worker, f"Patient {i}"), range(6)))
    finally:
        one_worker.timeout = 60
    assert [r.pages for r in results] == [2] * 6
    assert one_worker.replacements == 0


def test_a_request_that_waits_past_the_queue_limit_is_busy(live_content, one_worker):
    """The one worker is taken, as by a render in flight (a reused sheet takes about 10 ms:
    too short to race against), so requests wait past the queue limit."""
    one_worker.queue_timeout = 0.01
    client = create_app(live_content, one_worker).test_client()
    taken = one_worker._idle.get(timeout=5)
    try:
        with pytest.raises(Busy):
            render(one_worker)
        response = post_sheet(client, {"policy": "microneedling", "name": "Jane"})
        assert response.status_code == 503 and response.headers["Retry-After"] == "5"
        assert response.json["error"] == "every renderer is busy; try again"
    finally:
        one_worker._idle.put(taken)
        one_worker.queue_timeout = 60
    assert render(one_worker).pages == 2  # free again: served


def test_a_worker_killed_while_idle_costs_no_request(one_worker):
    [pid] = one_worker.pids
    os.kill(pid, signal.SIGKILL)
    assert wait_for(lambda: not _alive(pid), 5)
    assert "Idle Kill" in pdf_text(render(one_worker, "Idle Kill").pdf)
    assert one_worker.pids != [pid]


def test_a_worker_killed_mid_render_is_replaced_and_the_render_retried():
    pool = RenderPool(CONTENT, size=2, timeout=60)
    try:
        with ThreadPoolExecutor(1) as executor:
            future = executor.submit(render, pool, "Mid Render")
            assert wait_for(lambda: len(pool.busy_pids()) == 1, 5)
            [busy] = pool.busy_pids()
            os.kill(busy, signal.SIGKILL)
            assert "Mid Render" in pdf_text(future.result(timeout=60).pdf)
        assert busy not in pool.pids and pool.replacements == 1
        assert wait_for(lambda: pool.ready_count() == 2, 60)
    finally:
        pool.close()


def test_a_worker_that_never_becomes_ready_is_replaced(monkeypatch):
    calls = []
    real = _Worker.wait_ready

    def first_never_ready(self, timeout):
        calls.append(self.process.pid)
        return False if len(calls) == 1 else real(self, timeout)

    monkeypatch.setattr(_Worker, "wait_ready", first_never_ready)
    pool = RenderPool(CONTENT, size=1, timeout=60, start_timeout=60)
    try:
        assert len(calls) == 2 and pool.pids == [calls[1]] and pool.replacements == 1
        assert not _alive(calls[0])
        assert render(pool).pages == 2
    finally:
        pool.close()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_sheet_of_several_procedures_is_one_task_and_one_round_trip(
    one_worker, synthetic_content, monkeypatch
):
    """The policies travel together as a tuple: one message to the worker, one answer."""
    lorem = (synthetic_content / "example-procedure.md").read_text()
    (synthetic_content / "lorem-care.md").write_text(
        lorem.replace("Example Procedure", "Lorem Care")
    )
    policies = [load(synthetic_content / f"{s}.md") for s in ("example-procedure", "lorem-care")]
    tasks = []
    real = _Worker.run

    def counted(self, task, timeout):
        tasks.append(task)
        return real(self, task, timeout)

    monkeypatch.setattr(_Worker, "run", counted)
    patient = patient_module.make("Jane Doe", "2026-11-23")
    result = one_worker.render(SHIPPED.clinic, policies, patient, TODAY, Options())
    [task] = tasks
    assert task[1] == tuple(policies)
    text = pdf_text(result.pdf)
    assert "Example Procedure + Lorem Care" in text and "Jane Doe" in text
