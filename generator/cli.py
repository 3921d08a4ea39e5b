"""The `aftercare` command: parse arguments, call the library, report. Nothing more."""

from __future__ import annotations

import argparse
import gc
import os
import shlex
import signal
import sys
import threading
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

# Only what parsing needs is imported here; each command imports its own modules when it runs,
# so `aftercare --help` and `aftercare policies` never load WeasyPrint or SQLAlchemy.
from generator import __version__
from generator.errors import AftercareError, Problem, display_path
from generator.paths import CONTENT, HANDOUTS, SHEETS, SITE
from generator.render import weasyprint_patches  # imports nothing of WeasyPrint's

if TYPE_CHECKING:
    from generator.project import Project
    from generator.sheet.model import Options


def _global_options(parser: argparse.ArgumentParser, default) -> None:
    parser.add_argument(
        "--content",
        type=Path,
        metavar="DIR",
        default=default,
        help="folder with the policies and clinic.toml (default: content/)",
    )
    parser.add_argument(
        "--clinic",
        type=Path,
        metavar="FILE",
        default=default,
        help="clinic profile to use (default: DIR/clinic.toml)",
    )
    parser.add_argument(
        "--debug", action="store_true", default=default, help="show tracebacks on errors"
    )


def make_parser() -> argparse.ArgumentParser:
    """The argument parser; global options work before or after the command."""
    parser = argparse.ArgumentParser(
        prog="aftercare", description="Branded, personalised aftercare sheets for clinics."
    )
    parser.add_argument("--version", action="version", version=f"aftercare {__version__}")
    _global_options(parser, None)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    init = commands.add_parser(
        "init", parents=[common], help="start a clinic's folder: content/, a .gitignore"
    )
    init.add_argument(
        "folder", nargs="?", type=Path, default=Path(), metavar="DIR", help="default: here"
    )
    commands.add_parser("policies", parents=[common], help="list policy slugs, titles and versions")

    check = commands.add_parser(
        "check", parents=[common], help="check every content file: problems and warnings"
    )
    check.add_argument(
        "--strict", action="store_true", help="fail on warnings too (for a clinic's own CI)"
    )

    sheet = commands.add_parser("sheet", parents=[common], help="write one personalised PDF")
    sheet.add_argument(
        "policies",
        nargs="+",
        metavar="POLICY",
        help="policy slug, e.g. microneedling; up to 3 for procedures done on the same day "
        "(a b, or a+b), all on one sheet",
    )
    sheet.add_argument("--name", required=True, help="patient's name")
    sheet.add_argument("--date", help="procedure date, YYYY-MM-DD (default: today)")
    sheet.add_argument("--provider", help="provider's name (optional)")
    sheet.add_argument(
        "--lang",
        metavar="CODE",
        help="the language of a translation, e.g. es (default: the policy's own)",
    )
    sheet.add_argument(
        "--draft",
        action="store_true",
        help="print a draft policy or an unreviewed translation for review, with DRAFT on it",
    )
    _print_options(sheet)
    _print_queue_option(sheet)
    sheet.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="PDF to write (default: output/sheets/<date>-<policy>-<name>.pdf, with <a>+<b> "
        "for several policies)",
    )
    _database_option(sheet)
    handouts = commands.add_parser(
        "handouts", parents=[common], help="write one blank handout per policy"
    )
    handouts.add_argument("--out", type=Path, metavar="DIR", help="default: output/handouts")
    handouts.add_argument(
        "--combine",
        action="append",
        default=[],
        metavar="A+B",
        help="also write the blank handout of procedures done on the same day, <a>+<b>.pdf "
        "(up to 3; repeatable)",
    )
    _jobs_option(handouts)
    _print_options(handouts)

    site = commands.add_parser("site", parents=[common], help="write the online version")
    site.add_argument("--out", type=Path, metavar="DIR", help="default: output/site")

    batch = commands.add_parser("batch", parents=[common], help="write one sheet per CSV row")
    batch.add_argument(
        "csv",
        type=Path,
        metavar="FILE.csv",
        help="columns name,policy,date,provider,lang (provider and lang optional); a policy "
        "cell may combine up to 3 procedures as a+b",
    )
    batch.add_argument("--out", type=Path, metavar="DIR", help="default: output/sheets")
    _jobs_option(batch)
    _print_options(batch)
    _print_queue_option(batch)
    _database_option(batch)

    serve = commands.add_parser("serve", parents=[common], help="run the checkout desk and API")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1; any other needs an access token)",
    )
    serve.add_argument("--port", type=int, default=8000, help="default: 8000")
    serve.add_argument(
        "--token-file",
        type=Path,
        metavar="FILE",
        help="file holding the access token (or set AFTERCARE_TOKEN)",
    )
    serve.add_argument(
        "--workers", type=_positive, metavar="N", help="render processes (default: one per core)"
    )
    serve.add_argument(
        "--timeout",
        type=float,
        default=20.0,
        metavar="SECONDS",
        help="time limit for rendering one sheet; past it the answer is 503 (default: 20)",
    )
    serve.add_argument(
        "--queue-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long a request may wait for a free renderer; then 503 'busy' (default: 30)",
    )
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="ADDR",
        help="address of the reverse proxy whose X-Forwarded-For and X-Forwarded-Proto are "
        "believed (from any other address they are ignored)",
    )
    serve.add_argument(
        "--connection-limit",
        type=_positive,
        default=1000,
        metavar="N",
        help="open connections, idle ones included (default: 1000)",
    )
    serve.add_argument(
        "--idle-timeout",
        type=_positive,
        default=30,
        metavar="SECONDS",
        help="close a connection idle or half-sent this long (default: 30)",
    )
    serve.add_argument(
        "--backlog",
        type=_positive,
        default=2048,
        metavar="N",
        help="connections the system queues beyond the limit (default: 2048)",
    )
    serve.add_argument(
        "--print-queue",
        metavar="QUEUE",
        help="the CUPS queue this server's desks print on (default: clinic.toml's [printing] "
        "queue; without one, staff print from the browser)",
    )
    _database_option(serve)
    commands.add_parser(
        "token", parents=[common], help="print a fresh random access token for the desk"
    )

    register = commands.add_parser(
        "register", parents=[common], help="what was given to whom: look up, export, prune"
    )
    actions = register.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = actions.add_parser("show", parents=[common], help="one sheet's entry (never a name)")
    show.add_argument("id", metavar="ID", help="the sheet ID printed in the footer, XXXX-XXXX")
    find = actions.add_parser("find", parents=[common], help="the IDs of a patient's sheets")
    find.add_argument("--name", required=True, help="patient's name, as on the sheet")
    find.add_argument("--date", type=_date, help="procedure date, YYYY-MM-DD")
    export = actions.add_parser("export", parents=[common], help="entries as CSV, for audits")
    export.add_argument("--from", dest="first", type=_date, required=True, metavar="YYYY-MM-DD")
    export.add_argument("--to", dest="last", type=_date, required=True, metavar="YYYY-MM-DD")
    export.add_argument("--out", type=Path, metavar="FILE", help="default: standard output")
    export.set_defaults(usage=export)  # for the range check, after parsing (_check_range)
    prune = actions.add_parser(
        "prune", parents=[common], help="delete entries printed before a date (retention)"
    )
    prune.add_argument("--before", type=_date, required=True, metavar="YYYY-MM-DD")
    check = actions.add_parser(
        "check", parents=[common], help="verify the database: integrity, schema, the key"
    )
    backup = actions.add_parser(
        "backup", parents=[common], help="a consistent copy of a SQLite register, while in use"
    )
    backup.add_argument("dest", type=Path, metavar="DEST", help="the copy's file")
    for action in (show, find, export, prune, check, backup):
        _database_option(action)

    reprint = commands.add_parser(
        "reprint", parents=[common], help="make a sheet again from the register, byte for byte"
    )
    reprint.add_argument("id", metavar="ID", help="the sheet ID printed in the footer, XXXX-XXXX")
    reprint.add_argument("--name", required=True, help="patient's name, as on the sheet")
    reprint.add_argument("--provider", help="provider's name, if the sheet had one")
    reprint.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="default: output/sheets/<procedure>-<date>-<ID>.pdf",
    )
    _print_queue_option(reprint)
    _database_option(reprint)
    return parser


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        metavar="URL",
        help="the register's database (default: AFTERCARE_DATABASE_URL, else var/register.sqlite3)",
    )


def _print_queue_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--print",
        dest="print_queue",
        nargs="?",
        const="",
        metavar="QUEUE",
        help="also print on this CUPS print queue (without QUEUE: clinic.toml's [printing] "
        "queue); CUPS is found through CUPS_SERVER or client.conf",
    )


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date as YYYY-MM-DD, got {text!r}") from None


def _print_options(parser: argparse.ArgumentParser) -> None:
    from generator.content.clinic import PAPERS

    parser.add_argument("--paper", choices=PAPERS, help="paper size (default: the clinic's)")
    parser.add_argument(
        "--large-print",
        action="store_true",
        help="body text of 18 pt or more and nothing under 14 pt, for patients with low vision",
    )
    parser.add_argument(
        "--pdf-a",
        action="store_true",
        help="write PDF/A-3a, for the patient record (tagged and archival)",
    )


def _options(args) -> Options:
    from generator.sheet.model import Options

    return Options(
        paper=args.paper,
        large_print=args.large_print,
        archival=args.pdf_a,
        draft=getattr(args, "draft", False),
    )


def _jobs_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jobs", type=_positive, metavar="N", help="worker processes (default: one per core)"
    )


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1, got {text!r}")
    return int(text)


def cmd_policies(project: Project, args) -> None:
    """Print one line per policy (slug, version, title), then one per translation."""
    from generator.content.translations import language_name

    policies = project.policies(drafts=True)
    width = max((len(p.slug) for p in policies), default=0)
    for policy in policies:
        state = "  (draft: not offered to patients)" if policy.draft else ""
        print(f"{policy.slug:<{width}}  v{policy.version:<6} {policy.title}{state}")
        for lang, translation in sorted(project.translations(policy.slug).items()):
            name = f"{language_name(lang)} ({lang})"
            state = "ready" if translation.issuable else f"not offered: {translation.reason}"
            print(f"{'':<{width}}    {name}: {state}")
    _print_warnings(project, policies)


def _print_warnings(project: Project, policies) -> None:
    from generator.content import translations as translated

    today = date.today()
    for policy in policies:
        translations = project.translations(policy.slug).values()
        not_offered = [translated.warning(t) for t in translations if not t.issuable]
        for warning in (*policy.warnings, *policy.review_warnings(today), *not_offered):
            print(f"aftercare: warning: {warning}", file=sys.stderr)


def cmd_check(args) -> int:
    """Check all content; exit 1 on problems (and on warnings with --strict)."""
    from generator.commands.check import check as run_check

    report = run_check(args.content or CONTENT, args.clinic)
    for problem in report.problems:
        print(f"aftercare: error: {problem}", file=sys.stderr)
    for warning in report.warnings:
        print(f"aftercare: warning: {warning}", file=sys.stderr)
    print(report.summary())
    return 1 if report.problems or (args.strict and report.warnings) else 0


def cmd_sheet(project: Project, args) -> None:
    """Write one personalised sheet of one policy or of up to three done on the same day, and
    record it; the last line printed is its path."""
    from generator.commands.sheet import write_sheet
    from generator.content import patient as patient_module
    from generator.content.printing import download_name
    from generator.sheet.model import split_slugs

    options = _options(args)
    today = date.today()
    problems = []  # every problem with the input at once, before anything is written
    try:
        slugs = split_slugs(args.policies)
        policies = project.policies_in(slugs, args.lang, options.draft, today)
    except AftercareError as exc:
        problems.extend(exc.problems)
    try:
        patient = patient_module.make(args.name, args.date, args.provider)
    except AftercareError as exc:
        problems.extend(exc.problems)
    if problems:
        raise AftercareError(*problems)
    queue = _print_queue(args, project.clinic)
    register = None if options.draft else _open_register(project.clinic, args.database)
    warnings = sheet_warnings(policies, register)  # before this sheet's entry is stored
    if register is not None:
        options = replace(options, sheet_id=register.unused_id())
    path, result = write_sheet(project, slugs, patient, args.out, today, options, args.lang)
    if register is not None:
        from generator.record import issuing

        try:  # a sheet is issued only once it is in the register
            issuing.record(
                register,
                clinic=project.clinic,
                policies=policies,
                patient=patient,
                printed_on=today,
                options=options,
                channel="cli",
            )
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    for warning in warnings:  # once the sheet is made: a refused sheet says only why
        print(f"aftercare: warning: {warning}", file=sys.stderr)
    _warn_missing_glyphs(result.missing_glyphs)
    print(f"{result.pages} pages, {len(result.pdf) / 1024:.0f} KiB", file=sys.stderr)
    if options.sheet_id:
        print(f"Sheet {options.sheet_id}", file=sys.stderr)
    print(display_path(path))
    if queue:
        from generator.commands import print_cli

        lang = policies[0].lang if policies[0].is_translation else None
        title = download_name(slugs, lang, patient.procedure_date, options.sheet_id)
        print_cli.send(path, queue, title.removesuffix(".pdf"))


def _open_register(clinic, url: str | None):
    """The clinic's register (record/register.py), or None when clinic.toml keeps none
    (`register = false`): SQLAlchemy is imported only for a register."""
    if not clinic.register:
        return None
    from generator.record.register import open_register

    return open_register(clinic, url)


def _print_queue(args, clinic) -> str | None:
    """The queue to print on (print_cli.queue), or None without --print; the printing modules
    (IPP over HTTP) are imported only for a sheet that is printed."""
    if getattr(args, "print_queue", None) is None:
        return None
    from generator.commands import print_cli

    return print_cli.queue(args, clinic)


def sheet_warnings(policies, register) -> list:
    """What `check` warns about the policies of this sheet, and a text changed under a
    version the register has issued."""
    from generator.content.lifecycle import version_drift

    today = date.today()
    warnings = [w for p in policies for w in (*p.warnings, *p.review_warnings(today))]
    if register is not None:
        warnings += version_drift(register, policies)
    return warnings


def _warn_missing_glyphs(count: int) -> None:
    if count:  # the characters themselves stay out of the message: they are patient data
        print(
            f"aftercare: warning: {count} character(s) have no font on this machine and "
            "print as empty boxes; run `make setup` to install the fonts",
            file=sys.stderr,
        )


def cmd_handouts(project: Project, args) -> None:
    """Write the blank handouts; unchanged ones are left as they are."""
    from generator.commands.handouts import handouts

    _print_warnings(project, project.policies())
    progress = Progress.for_terminal("handouts")
    report = handouts(project, args.out, _options(args), args.jobs, progress, args.combine)
    print(report.summary("Handouts"), file=sys.stderr)
    print(display_path(args.out or HANDOUTS))


def cmd_site(project: Project, args) -> None:
    """Write the online version."""
    from generator.commands.site import build_site

    _print_warnings(project, project.policies())
    report = build_site(project, args.out)
    print(report.summary("Site files"), file=sys.stderr)
    print(display_path(args.out or SITE))


def cmd_batch(project: Project, args) -> int:
    """Write one sheet per good row; every bad row is reported and makes the exit code 1.
    With --print, the sheets written are then printed in row order."""
    from generator.commands import print_cli
    from generator.commands.batch import run_batch

    queue = print_cli.queue(args, project.clinic)
    report = run_batch(
        project,
        args.csv,
        args.out or SHEETS,
        args.jobs,
        Progress.for_terminal("sheets"),
        _options(args),
        args.database,
        read_progress=Progress.for_terminal("checking rows"),
    )
    for message in report.messages():
        print(f"aftercare: error: {message}", file=sys.stderr)
    _warn_missing_glyphs(report.missing_glyphs)
    print(report.summary(), file=sys.stderr)
    print(display_path(args.out or SHEETS))
    unprinted = 0
    if queue:
        ids = {row: sheet_id for row, _path, sheet_id in report.ids}
        rows = [(row, path, f"batch-row-{row}-{ids.get(row, '')}") for row, path in report.rows]
        unprinted = print_cli.send_batch(rows, queue)
    return 1 if report.failed or unprinted else 0


class Progress:
    """A one-line progress bar on a terminal; silent when stderr is not one."""

    def __init__(self, label: str):
        self.label = label

    @classmethod
    def for_terminal(cls, label: str):
        """A progress callback, or None when stderr is not a terminal."""
        return cls(label) if sys.stderr.isatty() else None

    def __call__(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done == total else ""
        bar = "#" * filled + "." * (width - filled)
        print(f"\r{self.label} [{bar}] {done}/{total}", end=end, file=sys.stderr, flush=True)


def cmd_init(args) -> int:
    """Write a starter folder and say what to do next."""
    from generator.commands.init import init

    for path in init(args.folder):
        print(display_path(path))
    here = display_path(args.folder.resolve())
    go = "" if here == "." else f"cd {shlex.quote(here)} && "
    print(
        "Next: change the lines marked CHANGE in content/clinic.toml and replace the example "
        f"policy; `{go}aftercare check` lists what is left.",
        file=sys.stderr,
    )
    return 0


def cmd_serve(project: Project, args) -> None:
    """Run the desk and the API with waitress until interrupted."""
    from generator.commands.serve import Listening, serve
    from generator.web.net import valid_address

    proxies = []
    for text in args.trusted_proxy:
        address = valid_address(text)
        if address is None:
            raise AftercareError(Problem("must be an IP address", field="--trusted-proxy"))
        proxies.append(address)
    if len(set(proxies)) > 1:
        raise AftercareError(
            Problem(
                "give one address: the server trusts one reverse proxy", field="--trusted-proxy"
            )
        )
    listening = Listening(
        proxies[0] if proxies else None, args.connection_limit, args.idle_timeout, args.backlog
    )
    serve(
        project,
        args.host,
        args.port,
        read_token(args.token_file),
        args.workers,
        args.timeout,
        queue_timeout=args.queue_timeout,
        trusted_proxies=tuple(proxies),
        database=args.database,
        listening=listening,
        print_queue=_queue_name(args.print_queue),
    )


def _queue_name(queue: str | None) -> str | None:
    if queue is None:
        return None
    from generator.content.printing import check_queue_name

    return check_queue_name(queue, "--print-queue")


def cmd_register(project: Project | None, args) -> int:
    """Look up, export, prune, check or back up the register; never prints a name."""
    from generator.commands.register_admin import database_trouble

    with database_trouble(args.database):
        return _register_action(args)


def _register_action(args) -> int:
    from generator.commands.register_admin import register_backup, register_check
    from generator.files import write_atomic
    from generator.record.register import Register, export_csv

    if args.action == "backup":
        return register_backup(args.database, args.dest)
    register = Register(args.database)
    if args.action == "check":
        return register_check(register)
    if args.action == "show":
        entry = register.get(args.id)
        for key, value in entry.public().items():
            if key == "policies":
                value = ", ".join(f"{p['slug']} {p['version']} ({p['hash']})" for p in value)
            print(f"{key:<18} {value}")
        return 0
    if args.action == "find":
        entries = register.find(args.name, args.date)
        for entry in entries:
            slugs = "+".join(p.slug for p in entry.policies)
            print(f"{entry.id}  {entry.procedure_date}  {slugs}  printed {entry.printed_on}")
        if not entries:
            print("aftercare: no sheets for that name" + (" on that date" if args.date else ""),
                  file=sys.stderr)  # fmt: skip
        return 0 if entries else 1
    if args.action == "export":
        text = export_csv(register.between(args.first, args.last))
        if args.out:
            write_atomic(args.out, text.encode(), mode=0o600)
            print(display_path(args.out))
        else:
            sys.stdout.write(text)
        return 0
    gone = register.prune(args.before)
    print(f"Pruned {gone} entr{'y' if gone == 1 else 'ies'} printed before {args.before}")
    return 0


def cmd_reprint(project: Project | None, args) -> None:
    """Make a registered sheet again; the last line printed is its path."""
    from generator.content.clinic import load as load_clinic
    from generator.content.printing import entry_name
    from generator.files import write_atomic
    from generator.record import issuing
    from generator.record.register import Register

    register = Register(args.database)
    again = issuing.reprint(register, args.id, args.name, args.provider)
    for note in (again.note, again.name_note, again.provider_note):
        if note:
            print(f"aftercare: note: {note}", file=sys.stderr)
    queue = _print_queue(
        args, lambda: load_clinic(args.clinic or (args.content or CONTENT) / "clinic.toml")
    )
    name = entry_name(again.entry)
    path = write_atomic(args.out or SHEETS / name, again.result.pdf, mode=0o600)
    print(f"Sheet {again.entry.id}, printed {again.entry.printed_on}", file=sys.stderr)
    print(display_path(path))
    if queue:
        from generator.commands import print_cli

        print_cli.send(path, queue, name.removesuffix(".pdf"))


def cmd_token(project: Project, args) -> None:
    """Print a fresh random access token (32 characters)."""
    from generator.web import tokens

    print(tokens.new_token())


def read_token(token_file: Path | None) -> str | None:
    """The access token from --token-file or AFTERCARE_TOKEN; None when neither is set."""
    from generator.web import tokens

    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8 text"
            raise AftercareError(Problem(f"cannot read token file: {reason}", token_file)) from None
        return tokens.check(token, token_file, "the token")
    token = os.environ.get("AFTERCARE_TOKEN", "").strip()
    return tokens.check(token, None, "AFTERCARE_TOKEN") if token else None


COMMANDS = {
    "policies": cmd_policies,
    "sheet": cmd_sheet,
    "handouts": cmd_handouts,
    "site": cmd_site,
    "batch": cmd_batch,
    "serve": cmd_serve,
    "token": cmd_token,
    "register": cmd_register,
    "reprint": cmd_reprint,
}


def _check_range(args) -> None:
    """A range that ends before it starts is a usage error (exit 2), as a date that is not a
    date is: `register export` would otherwise write an empty CSV, as if nothing was issued."""
    if getattr(args, "action", None) == "export" and args.first > args.last:
        args.usage.error(
            f"--from {args.first} is after --to {args.last}: give the first day of the range first"
        )


def _terminated(signum, frame):
    raise Terminated


class Terminated(KeyboardInterrupt):
    """SIGTERM: stop like Ctrl+C, finishing files being written and starting no new ones."""


# Commands that make one sheet; as a process's own command, they end when it is made.
ONE_SHEET = {"sheet", "reprint"}


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code. Without `argv` the command is this process's own
    (`aftercare`, `python -m generator`), which ends when main returns."""
    args = make_parser().parse_args(argv)
    _check_range(args)
    weasyprint_patches.before_import()  # if WeasyPrint is imported, its C declarations cached
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminated) if in_main_thread else None
    one_sheet_process = argv is None and args.command in ONE_SHEET
    if one_sheet_process:
        _collect_no_garbage()
    try:
        return _run(args)
    finally:
        if one_sheet_process:
            gc.freeze()  # nothing for the interpreter's last collection at exit to walk
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


def _collect_no_garbage() -> None:
    """For a process that makes one sheet and ends: no cyclic garbage collection.

    Nearly everything such a process allocates lives until it ends (modules, WeasyPrint's
    stylesheets and fonts, the register's tables): the collector's passes over it, every 700
    allocations, free almost nothing; nor has the full collection that settles a process
    after its first sheet (render/maker.py, `settle`) any sheets to come; and at exit, as
    after `settle`, everything is frozen, so the interpreter's last collection walks nothing.
    Together about a sixth of a cold sheet's CPU time. What one sheet leaves for the collector
    (a megabyte or two) goes when the process ends. The sheet is the same."""
    from generator.render import maker

    gc.disable()
    maker._settled = True


def _run(args) -> int:
    try:
        if args.command == "init":  # makes the content that every other command reads
            return cmd_init(args)
        if args.command == "check":  # reads everything itself, even a broken clinic profile
            return cmd_check(args)
        if args.command == "register":  # the register has all it needs, content or not
            return cmd_register(None, args)
        if args.command == "reprint":
            cmd_reprint(None, args)
            return 0
        from generator.project import Project

        project = Project(args.content, args.clinic)
        return COMMANDS[args.command](project, args) or 0
    except AftercareError as exc:
        if args.debug:
            raise
        for problem in exc.problems:
            print(f"aftercare: error: {problem}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, Terminated)
        print(
            f"aftercare: {'terminated' if terminated else 'interrupted'}: files already "
            "written are complete; run the same command again to finish",
            file=sys.stderr,
        )
        return 143 if terminated else 130
    except Exception as exc:  # a bug, not bad input: say so without quoting data
        if args.debug:
            raise
        print(
            f"aftercare: internal error ({type(exc).__name__}); run again with --debug "
            "for the traceback",
            file=sys.stderr,
        )
        return 70
