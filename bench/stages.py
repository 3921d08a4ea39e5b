"""Where a warm full render spends its time: WeasyPrint's own stages and a cProfile.

    .venv/bin/python bench/stages.py [--runs N] [--top N] [--policy SLUG]

Stages are timed in CPU milliseconds (median over the runs) from WeasyPrint's progress log
(CSS, boxes, layout of each page, draw + write) and from wrapped functions (drawing, font
subsetting, compression, the structure tree); then the top cProfile entries by own and by
cumulative time. Only a synthetic patient is used.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import statistics
import sys
import time
import zlib
from collections import defaultdict
from contextlib import contextmanager
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TODAY = date(2026, 11, 23)


class _Stages(logging.Handler):
    """CPU time between WeasyPrint's progress messages, summed by stage."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.times: dict[str, float] = defaultdict(float)
        self.stage: str | None = None
        self.since = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        self.close_stage()
        message = record.getMessage()
        self.stage = message.split(" - ", 1)[-1] if "Step" in message else message
        self.since = time.process_time()

    def close_stage(self) -> None:
        if self.stage is not None:
            self.times[self.stage] += time.process_time() - self.since
            self.stage = None


@contextmanager
def _wrapped(times: dict[str, float], owner, name: str, label: str):
    """Add the CPU time of owner.name's calls (outermost only) to times[label]."""
    original = getattr(owner, name)
    depth = [0]

    def timed(*args, **kwargs):
        depth[0] += 1
        start = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            depth[0] -= 1
            if not depth[0]:
                times[label] += time.process_time() - start

    setattr(owner, name, timed)
    try:
        yield
    finally:
        setattr(owner, name, original)


def stages(render, runs: int) -> dict[str, float]:
    """Median CPU ms per stage over `runs` renders."""
    from contextlib import ExitStack

    from weasyprint import document as wp_document
    from weasyprint import pdf as wp_pdf
    from weasyprint import svg as wp_svg
    from weasyprint.pdf import fonts as wp_fonts

    from generator.render import maker as maker_module
    from generator.render import templates as templates_module
    from generator.sheet import qr

    samples: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        handler = _Stages()
        logger = logging.getLogger("weasyprint.progress")
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        times = handler.times
        with ExitStack() as stack:
            for owner, name, label in (
                (wp_document.Page, "paint", "draw (pages -> content streams)"),
                (wp_fonts.Font, "subset", "fonts: subset"),
                (zlib, "compress", "compress (zlib)"),
                (wp_pdf, "add_tags", "structure tree (tags)"),
                (wp_svg.SVG, "draw", "draw: SVG images (logo, QR code)"),
                (qr, "svg", "QR code (qrcode + SVG text)"),
                (maker_module, "build_sheet", "sheet.build (dates, calendar, QR code)"),
                (templates_module.Templates, "sheet_html", "templates: sheet HTML (every layout)"),
            ):
                stack.enter_context(_wrapped(times, owner, name, label))
            start = time.process_time()
            render()
            total = time.process_time() - start
        handler.close_stage()
        logger.removeHandler(handler)
        times["total"] = total
        for label, seconds in times.items():
            samples[label].append(seconds * 1000)
    return {label: statistics.median(values) for label, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--policy", default="microneedling")
    args = parser.parse_args()

    from generator.content import patient as patient_module
    from generator.project import Project

    project = Project()
    policies = [project.policy(args.policy)]
    patient = patient_module.make("Bench Patient", "2026-11-23", "Dr. Example")

    def render():
        return project.maker.render(project.clinic, policies, patient, TODAY, full=True)

    for _ in range(3):
        result = render()
    print(f"warm full render of {args.policy}: {result.pages} pages, {len(result.pdf)} bytes\n")
    print(f"CPU ms per stage, median of {args.runs} (layout stages include re-layouts):")
    for label, ms in sorted(stages(render, args.runs).items(), key=lambda item: -item[1]):
        print(f"  {ms:7.1f}  {label}")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.runs):
        render()
    profile.disable()
    stats = pstats.Stats(profile)
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
