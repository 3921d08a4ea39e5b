"""`make bench`: how fast sheets are made, measured side by side in one run.

Prints medians and ratios: the cold single-sheet CLI and headless Chromium's cold
--print-to-pdf of the same sheet HTML, run in turn, and the ratio of the two (issue 27's goal:
at most 1.0x); the warm per-sheet render in one process, batch throughput with one worker and
with all, Chromium's warm page.pdf() as a reference, and the peak memory of each worker over a
long batch. The commands run this tree's code (`python -m generator` with this tree first on
PYTHONPATH), whichever checkout the virtual environment was installed from.
Each run is recorded in bench/history.jsonl and printed beside the last one of its kind
(bench/history.py); `--compare REV` runs the quick measures for another commit side by side
with this tree (bench/compare.py). Only synthetic patients are used.
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import history  # noqa: E402  (bench/history.py, beside this file)

from generator.commands.batch import run_batch  # noqa: E402
from generator.content import patient as patient_module  # noqa: E402
from generator.parallel import default_jobs  # noqa: E402
from generator.paths import STYLES  # noqa: E402
from generator.project import Project  # noqa: E402
from generator.sheet.model import build as build_sheet  # noqa: E402

AFTERCARE = [sys.executable, "-m", "generator"]  # with CLI_ENV: this tree's code
CLI_ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-pdf-header-footer",
]
TODAY = date(2026, 11, 23)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(fn, runs: int, clock=time.perf_counter) -> list[float]:
    samples = []
    for _ in range(runs):
        start = clock()
        fn()
        samples.append(clock() - start)
    return samples


def children_cpu() -> float:
    """CPU seconds (user + system) of the child processes waited for so far, and theirs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cold_cli_args(out: Path) -> list[str]:
    """A cold `aftercare sheet`: a new process making one sheet (recorded in the register)."""
    args = [*AFTERCARE, "sheet", "microneedling", "--name", "Bench Patient"]
    return [*args, "--date", "2026-11-23", "--out", str(out)]


def run_timed(args: list[str], **kwargs) -> tuple[float, float]:
    """Wall and CPU seconds of one command; CPU is user + system of the processes it waited
    for (Chromium's own helper processes included when Chromium waits for them)."""
    start, cpu = time.perf_counter(), children_cpu()
    subprocess.run(args, check=True, capture_output=True, **kwargs)
    return time.perf_counter() - start, children_cpu() - cpu


def cold_runs(tmp: Path, html: Path | None, runs: int) -> dict[str, tuple[list, list]]:
    """Wall and CPU seconds of each cold `aftercare sheet` and, when `html` is given, of each
    cold Chromium --print-to-pdf of it, run in turn (CLI, Chromium, CLI, ...), so that the
    two meet the same load on a shared machine and their ratio can be taken pair by pair."""
    samples: dict[str, tuple[list, list]] = {"cli": ([], []), "chromium": ([], [])}
    run_timed(cold_cli_args(tmp / "cold.pdf"), env=CLI_ENV)  # warm-up, not counted: the
    if html is not None:  # register and key made, the FFI cache (weasyprint_ffi.py) kept,
        run_timed(chromium_args(html, tmp), timeout=60)  # the files in the OS's page cache
    for _ in range(runs):
        wall, cpu = run_timed(cold_cli_args(tmp / "cold.pdf"), env=CLI_ENV)
        samples["cli"][0].append(wall)
        samples["cli"][1].append(cpu)
        if html is not None:
            wall, cpu = run_timed(chromium_args(html, tmp), timeout=60)
            samples["chromium"][0].append(wall)
            samples["chromium"][1].append(cpu)
    return samples


def paired_ratio(ours: list[float], theirs: list[float]) -> float:
    """The median of the run-by-run ratios ours / theirs."""
    return statistics.median(a / b for a, b in zip(ours, theirs, strict=True))


def cold_compared(project: Project, tmp: Path, runs: int) -> dict[str, tuple[list, list]]:
    """The cold CLI and, when Chromium is installed, Chromium's cold print of the same
    sheet HTML, in turn (cold_runs)."""
    html = chromium_html(project, tmp) if Path(CHROMIUM).exists() else None
    return cold_runs(tmp, html, runs)


def cold_rows(samples: dict[str, tuple[list, list]], runs: int) -> list[tuple[str, str, str]]:
    """The cold CLI's figures as table rows, with Chromium's and the ratios when measured."""
    (cli_wall, cli_cpu), (chrome_wall, chrome_cpu) = samples["cli"], samples["chromium"]
    rows_out = [
        (
            f"cold CLI, one sheet (median of {runs})",
            f"{median_ms(cli_wall):.0f} ms",
            f"{median_ms(cli_cpu):.0f} ms CPU; goal: at most Chromium's cold --print-to-pdf",
        )
    ]
    if chrome_wall:
        rows_out += [
            (
                "Chromium --print-to-pdf, cold (same HTML)",
                f"{median_ms(chrome_wall):.0f} ms",
                f"{median_ms(chrome_cpu):.0f} ms CPU (what it waited for); run in turn with "
                "the cold CLI",
            ),
            (
                "cold CLI / Chromium cold, wall (median of the pairs)",
                f"{paired_ratio(cli_wall, chrome_wall):.2f} x",
                "goal <= 1.0 x (issue 27)",
            ),
            (
                "cold CLI / Chromium cold, CPU (median of the pairs)",
                f"{paired_ratio(cli_cpu, chrome_cpu):.2f} x",
                "user + system time of each",
            ),
        ]
    return rows_out


def warm_render(project: Project, runs: int) -> tuple[list[float], list[float], int, int]:
    """Wall and CPU time per full render (the shortcut of reuse.py off). Shared machines lose
    CPU to their host ('steal'): the CPU time of this process is the steadier figure; wall
    time is what a user waits."""
    patient = patient_module.make("Bench Patient", "2026-11-23", "Dr. Example")
    policies = [project.policy("microneedling")]
    result = project.maker.render(project.clinic, policies, patient, TODAY, full=True)

    def once():
        project.maker.render(project.clinic, policies, patient, TODAY, full=True)

    wall = timed(once, runs)
    cpu = timed(once, runs, time.process_time)
    return wall, cpu, result.pages, len(result.pdf)


BENCH_NAMES = ["Jane Doe", "José Álvarez", "Anne-Marie O'Brien", "Łukasz Nowak", "Zoë Park"]
FIRST_NAMES = [
    *BENCH_NAMES,
    "Wiktor Kühn",
    "Björn Quist",
    "Yusuf Öztürk",
    "Fiona McVey",
    "Xavier Jiménez",
    "Greta Voß",
    "Henrik Åberg",
    "Amara Okafor",
    "Chloé Dubois",
    "Ivan Horvat",
]


def reuse_render(project: Project, runs: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU ms of the first sheet of a kind (a procedure date not made before
    in this process: the base is laid out, from a sibling of another date when it can be
    (render/dates.py), written, then personalised), the same with every new date laid out
    whole, and of a reused sheet (another patient of a kind already made)."""
    policies = [project.policy("microneedling")]
    maker = project.maker
    whole = Project(project.content_dir).maker  # reuse across dates off: the reference
    whole.reuse.dates.size = 0

    def sheet(name: str, offset: int, way: str = "first"):
        day = date.fromordinal(TODAY.toordinal() - 100 - offset).isoformat()
        patient = patient_module.make(name, day, "Dr. Example")
        chosen = whole if way == "whole" else maker
        return chosen.render(project.clinic, policies, patient, TODAY, full=way == "full")

    sheet("Warm Up", 1000)  # this process's first base: the alphabet's glyphs, shaped once
    sheet("Warm Up", 1000, "whole")
    walls: dict[str, list[float]] = {"full": [], "first": [], "whole": []}
    cpus: dict[str, list[float]] = {"full": [], "first": [], "whole": []}
    # The same inputs every way (calendar fitting varies with the date), each round another
    # patient, as at a desk; the order of the ways turns round by round.
    ways = ["full", "first", "whole"]
    for i in range(runs):
        name = FIRST_NAMES[i % len(FIRST_NAMES)]
        for way in ways[i % 3 :] + ways[: i % 3]:
            gc.collect()  # no garbage of another way's sheet collected on this one's time
            start, cpu = time.perf_counter(), time.process_time()
            sheet(name, i, way)
            walls[way].append(time.perf_counter() - start)
            cpus[way].append(time.process_time() - cpu)
    names = iter(range(10**6))

    def reused():
        sheet(f"{BENCH_NAMES[next(names) % len(BENCH_NAMES)]} {next(names)}", 0)

    wall = timed(reused, runs * 3)
    cpu = timed(reused, runs * 3, time.process_time)
    found = {way: (median_ms(walls[way]), median_ms(cpus[way])) for way in ways}
    return {**found, "reused": (median_ms(wall), median_ms(cpu))}


def memory_in_process(project: Project, sheets: int) -> tuple[float, float, float]:
    """RSS before and after `sheets` sheets in one process (names all different, kinds
    rotating through more than the cache holds), and the cache's size at the end."""
    from generator.render.reuse import CACHE_SIZE

    policies = [project.policy("microneedling")]
    maker = project.maker

    def one(i: int) -> None:
        day = date.fromordinal(TODAY.toordinal() - i % (CACHE_SIZE + 4)).isoformat()
        patient = patient_module.make(f"Patient {i:05d}", day, "Dr. Example")
        maker.render(project.clinic, policies, patient, TODAY)

    for i in range(50):  # every kind made once: the cache is full
        one(i)
    before = rss_mib(os.getpid())
    for i in range(sheets):
        one(i)
    return before, rss_mib(os.getpid()), len(maker.reuse.cached())


def write_csv(path: Path, rows: int, dates: int = 60) -> None:
    """`rows` synthetic patients on `dates` different procedure dates."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "policy", "date", "provider"])
        for i in range(rows):
            day = date.fromordinal(TODAY.toordinal() - i % dates).isoformat()
            writer.writerow([f"Bench Patient {i:04d}", "microneedling", day, "Dr. Example"])


def batch_cli(tmp: Path, rows: int, jobs: int, dates: int = 60) -> tuple[float, float]:
    """Wall and CPU seconds (the CLI and its workers) of a batch of `rows` on `dates` dates,
    run with this tree's code (`python -m generator`), whatever the venv's script imports."""
    path = tmp / f"batch-{rows}-{dates}.csv"
    write_csv(path, rows, dates)
    out = tmp / f"batch-{jobs}-{dates}"
    start, cpu = time.perf_counter(), children_cpu()
    subprocess.run(
        [*AFTERCARE, "batch", str(path), "--out", str(out), "--jobs", str(jobs)],
        check=True,
        capture_output=True,
        env=CLI_ENV,
    )
    elapsed, cpu = time.perf_counter() - start, children_cpu() - cpu
    assert len(list(out.glob("*.pdf"))) == rows
    shutil.rmtree(out)
    return elapsed, cpu


def batch_rows(tmp: Path, runs: int) -> list[tuple[str, str, str]]:
    """Sheets/s (median of `runs`) and CPU ms per sheet (CLI + workers) of a batch of 200 on
    200 dates (every sheet the first of its kind), on 60 dates (the rows of a date apart in
    the file) and on one date, with one worker and with all; the settings taken in turn."""
    jobs = default_jobs()
    settings = [(dates, n) for dates in (200, 60, 1) for n in dict.fromkeys((1, jobs))]
    samples: dict[tuple[int, int], list[tuple[float, float]]] = {k: [] for k in settings}
    for _ in range(runs):
        for dates, n in settings:
            samples[dates, n].append(batch_cli(tmp, 200, n, dates))
    rows_out = []
    for (dates, n), runs_of in samples.items():
        wall = statistics.median(w for w, _ in runs_of)
        cpu = statistics.median(c for _, c in runs_of)
        on = "one date" if dates == 1 else f"{dates} dates"
        rows_out.append(
            (
                f"batch of 200, {on}, {n} worker{'s' if n > 1 else ''}",
                f"{200 / wall:.1f} sheets/s",
                f"{cpu / 200 * 1000:.0f} ms CPU per sheet (CLI + workers); median of {runs}",
            )
        )
    return rows_out


def chromium_html(project: Project, tmp: Path) -> Path:
    """The same sheet HTML, with the print CSS inlined, as a file Chromium can open."""
    patient = patient_module.make("Bench Patient", "2026-11-23", "Dr. Example")
    sheet = build_sheet(project.clinic, project.policy("microneedling"), patient, TODAY)
    html = project.templates.sheet_html(sheet)
    css = (STYLES / "print.css").read_text()
    html = html.replace("</head>", f"<style>{css}</style></head>")
    path = tmp / "sheet.html"
    path.write_text(html, encoding="utf-8")
    return path


def chromium_args(html: Path, tmp: Path) -> list[str]:
    """A cold Chromium --print-to-pdf of `html`: a new browser with a new profile."""
    profile = tempfile.mkdtemp(dir=tmp)
    return [
        CHROMIUM,
        *CHROMIUM_ARGS,
        f"--user-data-dir={profile}",
        f"--print-to-pdf={tmp / 'chromium.pdf'}",
        html.as_uri(),
    ]


def descendants_cpu(pid: int) -> float:
    """CPU seconds (user + system) of every live descendant of a process, from /proc."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        child = int(stat.parent.name)
        parents[child] = int(fields[1])
        times[child] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    total, stack = 0.0, [pid]
    while stack:
        parent = stack.pop()
        for child, ppid in parents.items():
            if ppid == parent:
                total += times[child]
                stack.append(child)
    return total


def chromium_warm(html: Path, runs: int) -> tuple[list[float], float] | None:
    """Wall seconds of each warm page.pdf(), and the mean CPU seconds of one in
    Chromium's processes and Playwright's driver (ours not included)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS[1:])
        page = browser.new_page()
        page.goto(html.as_uri())
        page.pdf(format="Letter", prefer_css_page_size=True)

        def once():
            page.goto(html.as_uri())
            page.pdf(format="Letter", prefer_css_page_size=True)

        cpu = descendants_cpu(os.getpid())
        samples = timed(once, runs)
        cpu = (descendants_cpu(os.getpid()) - cpu) / runs
        browser.close()
    return samples, cpu


def memory_run(project: Project, tmp: Path, rows: int, jobs: int) -> tuple[float, float]:
    path = tmp / f"memory-{rows}.csv"
    write_csv(path, rows)
    start = time.perf_counter()
    report = run_batch(project, path, tmp / "memory", jobs)
    elapsed = time.perf_counter() - start
    assert not report.failed and len(report.written) == rows
    return report.peak_rss_mib, rows / elapsed


def rss_mib(pid: int) -> float:
    """Resident memory of one process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def tree_rss(pid: int) -> dict[int, float]:
    """RSS of a process and its children (the render workers)."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    pids = [pid, *(int(p) for p in children.split())]
    return {p: rss_mib(p) for p in pids if Path(f"/proc/{p}").exists()}


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children, from /proc."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    total = 0.0
    for p in [pid, *(int(c) for c in children.split())]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def load_run(plan: dict[int, int], memory_requests: int) -> dict:
    """Serve the desk; for each concurrency, send that many API calls and time each; then
    keep going to `memory_requests` in all and compare the memory of server + workers."""
    import http.client
    import json
    import socket
    from concurrent.futures import ThreadPoolExecutor

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [*AFTERCARE, "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=CLI_ENV,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        body = json.dumps({"policy": "microneedling", "name": "Load Test", "date": "2026-11-23"})

        def one(_):
            start = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                conn.request("POST", "/api/sheets", body, {"Content-Type": "application/json"})
                response = conn.getresponse()
                ok = response.status == 200 and response.read()[:5] == b"%PDF-"
            except OSError:
                ok = False
            finally:
                conn.close()
            return time.perf_counter() - start, ok

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(one, range(16)))  # warm-up
        before = tree_rss(server.pid)
        sent, result = 16, {}
        for concurrency, requests in plan.items():
            cpu = tree_cpu(server.pid)
            with ThreadPoolExecutor(concurrency) as pool:
                start = time.perf_counter()
                results = list(pool.map(one, range(requests)))
                elapsed = time.perf_counter() - start
            latencies = sorted(r[0] for r in results)
            result[concurrency] = {
                "p50": latencies[len(latencies) // 2] * 1000,
                "p95": latencies[int(len(latencies) * 0.95)] * 1000,
                "errors": sum(not r[1] for r in results),
                "rate": requests / elapsed,
                "cpu_ms": (tree_cpu(server.pid) - cpu) / requests * 1000,
            }
            sent += requests
        with ThreadPoolExecutor(8) as pool:
            extra = list(pool.map(one, range(max(0, memory_requests - sent))))
        after = tree_rss(server.pid)
    finally:
        server.terminate()
        server.wait(60)
    return {
        "by_concurrency": result,
        "requests": sent + len(extra),
        "extra_errors": sum(not ok for _, ok in extra),
        "rss_before": sum(before.values()),
        "rss_after": sum(after.values()),
    }


def register_cost(project: Project, url: str, runs: int) -> tuple[float, float]:
    """Median wall and CPU ms to take a sheet ID and record one entry (archive included)."""
    from dataclasses import replace

    from generator.record import issuing
    from generator.record.register import Register
    from generator.sheet.model import Options

    register = Register(url, b"bench-key-" * 4)
    patient = patient_module.make("Jane Doe", "2026-11-23", "Dr. Rivera")
    policy = project.policy("microneedling")

    def one() -> None:
        options = replace(Options(), sheet_id=register.unused_id())
        issuing.record(
            register,
            clinic=project.clinic,
            policies=[policy],
            patient=patient,
            printed_on=TODAY,
            options=options,
            channel="batch",
        )

    one()  # tables made, files archived
    wall = median_ms(timed(one, runs))
    cpu = median_ms(timed(one, runs, time.process_time))
    register.dispose()
    return wall, cpu


def register_rows(project: Project, tmp: Path, runs: int) -> list[tuple[str, str, str]]:
    """The register's cost per sheet on SQLite and, when installed, on PostgreSQL."""
    from tests import pg

    rows_out = []
    wall, cpu = register_cost(project, f"sqlite:///{tmp / 'register.sqlite3'}", runs)
    rows_out.append(
        (f"register, SQLite: ID + entry (median of {runs})", f"{wall:.1f} ms", f"{cpu:.1f} ms CPU")
    )
    if pg.binaries() is not None:
        for durable in (True, False):
            with pg.temporary_server(durable=durable) as url:
                wall, cpu = register_cost(project, url, runs)
            rows_out.append(
                (
                    f"register, PostgreSQL, fsync {'on' if durable else 'off'}: ID + entry "
                    f"(median of {runs})",
                    f"{wall:.1f} ms",
                    f"{cpu:.1f} ms CPU (loopback, fsync {'on' if durable else 'off'})",
                )
            )
    return rows_out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, no 1,000-row batch")
    parser.add_argument("--desk", action="store_true", help="only the desk's load figures")
    parser.add_argument("--register", action="store_true", help="only the register's cost")
    parser.add_argument(
        "--cold", action="store_true", help="only the cold CLI and Chromium's cold, in turn"
    )
    parser.add_argument(
        "--compare",
        metavar="REV",
        help="run the quick bench for commit REV (in a git worktree) side by side with this one",
    )
    parser.add_argument("--rounds", type=int, default=7, help="rounds of --compare")
    parser.add_argument(
        "--no-record", action="store_true", help=f"do not append to {history.HISTORY.name}"
    )
    parser.add_argument(
        "--batch",
        action="store_true",
        help="only batches of 200 rows (on 200 dates, 60 dates, one date), 1 worker and all",
    )
    args = parser.parse_args()
    if args.batch:
        with tempfile.TemporaryDirectory() as folder:
            rows_out = batch_rows(Path(folder), 2 if args.quick else 3)
        remember(args, "batch", rows_out, [])
        return
    if args.compare:
        import compare  # bench/compare.py

        compare.main(args.compare, args.rounds)
        return
    if args.register:
        with tempfile.TemporaryDirectory() as folder:
            rows_out = register_rows(Project(), Path(folder), 50 if args.quick else 200)
        remember(args, "register", rows_out, [])
        return
    if args.cold:
        with tempfile.TemporaryDirectory() as folder:
            runs = 7 if args.quick else 11
            rows_out = cold_rows(cold_compared(Project(), Path(folder), runs), runs)
        remember(args, "cold", rows_out, [])
        return
    if args.desk:
        plan = {1: 20, 8: 100} if args.quick else {1: 100, 8: 500}
        rows_out = desk_rows(load_run(plan, 200 if args.quick else 1000))
        remember(args, "desk", rows_out, [])
        return
    runs_cold, runs_warm, rows = (3, 10, 40) if args.quick else (5, 30, 200)
    runs_first = 7 if args.quick else 15
    jobs = default_jobs()
    project = Project()
    print(f"aftercare benchmark: {os.cpu_count()} cores, {jobs} workers by default\n")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        html = chromium_html(project, tmp)
        have_chromium = Path(CHROMIUM).exists()
        cold_samples = cold_compared(project, tmp, runs_cold)
        warm_samples, cpu_samples, pages, size = warm_render(project, runs_warm)
        warm, warm_cpu = median_ms(warm_samples), median_ms(cpu_samples)
        reuse = reuse_render(project, runs_first)
        batches = {
            "1 worker": (rows, batch_cli(tmp, rows, 1)),
            f"{jobs} workers": (rows, batch_cli(tmp, rows, jobs)),
            f"200 on one date, {jobs} workers": (200, batch_cli(tmp, 200, jobs, dates=1)),
            f"200 on 200 dates, {jobs} workers": (200, batch_cli(tmp, 200, jobs, dates=200)),
        }
        one, many, one_date, all_dates = (n / wall for n, (wall, _) in batches.values())

        def batch_cpu(label: str) -> str:
            n, (_, cpu) = batches[label]
            return f"{cpu / n * 1000:.0f} ms CPU per sheet (CLI + workers)"

        in_process = memory_in_process(project, 200 if args.quick else 1000)
        chrome = chromium_warm(html, runs_warm) if have_chromium else None
        chrome_warm = median_ms(chrome[0]) if chrome else None
        chrome_cpu = chrome[1] * 1000 if chrome else 0.0
        memory = None if args.quick else memory_run(project, tmp, 1000, jobs)
        plan = {1: 20, 8: 100} if args.quick else {1: 100, 8: 500}
        load = load_run(plan, 200 if args.quick else 1000)
        register = register_rows(project, tmp, 50 if args.quick else 200)

    rows_out = cold_rows(cold_samples, runs_cold)
    rows_out += [
        (
            f"warm render in one process (median of {runs_warm})",
            f"{warm:.0f} ms",
            f"target <= 120 ms; {pages} pages, {size / 1024:.0f} KiB",
        ),
        (
            f"  the same, CPU time (median of {runs_warm})",
            f"{warm_cpu:.0f} ms",
            "steady even when the host steals CPU",
        ),
        (
            f"first sheet of a kind: base + patient (median of {runs_first})",
            f"{reuse['first'][0]:.0f} ms",
            f"{reuse['first'][1]:.0f} ms CPU; {reuse['first'][1] / reuse['full'][1]:.2f}x the "
            f"full render of the same sheets ({reuse['full'][0]:.0f} ms, "
            f"{reuse['full'][1]:.0f} ms CPU)",
        ),
        (
            f"  the same, every new date laid out whole (median of {runs_first})",
            f"{reuse['whole'][0]:.0f} ms",
            f"{reuse['whole'][1]:.0f} ms CPU; from a sibling's layout: "
            f"{reuse['first'][1] / reuse['whole'][1]:.2f}x (render/dates.py)",
        ),
        (
            f"reused sheet, same kind (median of {runs_first * 3})",
            f"{reuse['reused'][0]:.0f} ms",
            f"{reuse['reused'][1]:.1f} ms CPU; {reuse['reused'][1] / warm_cpu:.2f}x full render "
            "CPU (goal <= 0.25x)",
        ),
        (f"batch of {rows}, 1 worker", f"{one:.1f} sheets/s", batch_cpu("1 worker")),
        (
            f"batch of {rows}, {jobs} workers",
            f"{many:.1f} sheets/s",
            f"{batch_cpu(f'{jobs} workers')}; target >= 12; {many / one:.2f}x one worker",
        ),
    ]
    if chrome_warm is not None:
        rows_out.append(
            (
                "Chromium page.pdf(), warm (same HTML)",
                f"{chrome_warm:.0f} ms",
                f"{chrome_cpu:.0f} ms CPU (its processes, mean); our warm render's CPU "
                f"{warm_cpu / chrome_cpu if chrome_cpu else 0:.2f}x it (goal <= 1.5x); "
                f"{chrome_warm / warm:.2f}x our warm render; reused sheet "
                f"{reuse['reused'][0] / chrome_warm:.2f}x Chromium (goal <= 0.5x)",
            )
        )
    rows_out += [
        (
            f"batch of 200, one date, {jobs} workers",
            f"{one_date:.1f} sheets/s",
            f"{batch_cpu(f'200 on one date, {jobs} workers')}; goal >= 16 (4x the 4.1 of issue 15)",
        ),
        (
            f"batch of 200, 200 dates, {jobs} workers",
            f"{all_dates:.1f} sheets/s",
            f"{batch_cpu(f'200 on 200 dates, {jobs} workers')}; every sheet the first of its kind",
        ),
        (
            f"{200 if args.quick else 1000:,} sheets in one process: RSS",
            f"{in_process[0]:.0f} -> {in_process[1]:.0f} MiB",
            f"{in_process[2]:.0f} bases cached (bounded); names all different",
        ),
    ]
    if memory:
        rows_out.append(
            (
                f"1,000-row batch, {jobs} workers: peak RSS per worker",
                f"{memory[0]:.0f} MiB",
                f"target < 250 MB; {memory[1]:.1f} sheets/s",
            )
        )
    rows_out += desk_rows(load)
    rows_out += register
    remember(args, "quick" if args.quick else "full", rows_out, [])


def remember(args, mode: str, rows_out: list[tuple[str, str, str]], extra: list) -> None:
    """Print the table; then each figure beside the last recorded run of this mode, and
    record this run in bench/history.jsonl (unless --no-record)."""
    print_rows(rows_out)
    figures = [*history.figures_of(rows_out), *extra]
    print()
    print("\n".join(history.beside(figures, history.last(mode))))
    if not args.no_record:
        entry = history.record(mode, figures)
        print(f"\nrecorded in {history.HISTORY.relative_to(ROOT)} (commit {entry['commit']})")


def desk_rows(load: dict) -> list[tuple[str, str, str]]:
    """The desk's figures as table rows."""
    rows_out = []
    for concurrency, figures in load["by_concurrency"].items():
        rows_out += [
            (
                f"desk API, concurrency {concurrency}: p50 / p95",
                f"{figures['p50']:.0f} / {figures['p95']:.0f} ms",
                f"{figures['rate']:.1f} sheets/s; {figures['errors']} errors; "
                f"{figures['cpu_ms']:.0f} ms CPU per sheet (server + workers)",
            )
        ]
    rows_out.append(
        (
            "desk memory (server + workers), before -> after",
            f"{load['rss_before']:.0f} -> {load['rss_after']:.0f} MiB",
            f"after warm-up, then over {load['requests']:,} requests "
            f"({load['extra_errors']} errors in the rest)",
        )
    )
    return rows_out


def print_rows(rows_out: list[tuple[str, str, str]]) -> None:
    """An aligned table: label, value, note."""
    width = max(len(r[0]) for r in rows_out)
    for label, value, note in rows_out:
        print(f"{label:<{width}}  {value:>14}  {note}")


if __name__ == "__main__":
    main()
