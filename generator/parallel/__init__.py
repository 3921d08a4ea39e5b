"""Rendering in other processes: the desk's pool of warm, spawned renderers with a deadline
and kill-and-replace (`desk_pool`), and the batch pool that spreads a CSV over the cores
(`batch_pool`).

Imports record, `generator.project`, render, sheet, content and the base modules; never
commands or web."""

import os


def default_jobs() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
