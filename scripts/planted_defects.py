# ruff: noqa: E501 - a table of exact source lines
"""Issue 25, items 17-25: plant each one-line defect the tester planted, alone, run the test
that must kill it, and put the file back. `python3 scripts/planted_defects.py [LABEL...]`;
run it on a clean tree (it edits generator/ and templates/ while it runs)."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
T = "tests/test_mutants.py"
MUTANTS = [
    (
        "17 reuse own-page check",
        "generator/render/reuse.py",
        "        if _substitute(base_html, texts) != self._html(sheet):\n            return None\n",
        "",
        f"{T}::test_a_long_narrow_name_reads_and_looks_as_a_full_render",
    ),
    (
        "18a _same_font any glyph",
        "generator/render/reuse.py",
        "    return all(mapping.get(glyph) == text for glyph, text in fonts[0].to_unicode.items())",
        "    return all(glyph in mapping for glyph in fonts[0].to_unicode)",
        f"{T}::test_a_name_sharing_glyphs_with_other_letters_reads_as_typed",
    ),
    (
        "18b margin sign",
        "generator/render/reuse.py",
        "width > limit - MARGIN_PX",
        "width > limit + MARGIN_PX",
        f"{T}::test_a_name_within_half_a_pixel_of_its_box_takes_the_full_path",
    ),
    (
        "19a desk log names patient",
        "generator/web/desk.py",
        '        issued = issue(sheet, content.clinic, "desk", session_id(), preview=True, record_now=False)\n',
        '        issued = issue(sheet, content.clinic, "desk", session_id(), preview=True, record_now=False)\n        from generator.web.logs import ACCESS_LOG\n\n        ACCESS_LOG.info("desk sheet %s", sheet.patient.name)\n',
        f"{T}::test_a_desk_sheet_made_end_to_end_logs_no_name",
    ),
    (
        "19b Patient.__repr__ removed",
        "generator/content/patient.py",
        '    def __repr__(self) -> str:\n        return "Patient(<hidden>)"\n',
        "",
        f"{T}::test_a_patients_repr_hides_the_name_and_provider",
    ),
    (
        "20a CSRF off /reprint",
        "generator/web/reprint.py",
        '    if not csrf_ok():\n        return _reprint_page(fields, {"form": _(EXPIRED)}), 400\n',
        "",
        f"{T}::test_reprint_and_lookup_refuse_a_form_without_its_csrf_token",
    ),
    (
        "20b CSRF off /lookup",
        "generator/web/reprint.py",
        '    if not csrf_ok():\n        return _reprint_page({}, {"form": _(EXPIRED)}, lookup=fields), 400\n',
        "",
        f"{T}::test_reprint_and_lookup_refuse_a_form_without_its_csrf_token",
    ),
    (
        "21 throttle first XFF",
        "generator/web/access.py",
        'request.headers.get("X-Forwarded-For", "").split(",")[-1]',
        'request.headers.get("X-Forwarded-For", "").split(",")[0]',
        f"{T}::test_the_guess_throttle_keys_on_the_address_the_trusted_proxy_added",
    ),
    (
        "22 public() name digest",
        "generator/record/register.py",
        '            "id": self.id,\n            "issued_at": self.issued_at,',
        '            "id": self.id,\n            "name_hmac": self.name_hmac,\n            "issued_at": self.issued_at,',
        f"{T}::test_an_entry_shown_carries_no_digest_of_the_name_or_provider",
    ),
    (
        "23a sheet keeps PDF",
        "generator/cli.py",
        "        except BaseException:\n            path.unlink(missing_ok=True)\n            raise\n",
        "        except BaseException:\n            raise\n",
        f"{T}::test_the_sheet_command_keeps_no_file_when_its_entry_fails",
    ),
    (
        "23b desk PDF without entry",
        "generator/web/desk.py",
        "            found.recording.ensure()\n        except (AftercareError, sa.exc.SQLAlchemyError):\n",
        "            found.recording.ensure()\n        except (AftercareError, sa.exc.SQLAlchemyError):\n            pass\n        except ZeroDivisionError:\n",
        f"{T}::test_the_desk_serves_no_pdf_without_its_entry",
    ),
    (
        "25 name | safe on page 1",
        "templates/sheet.html.j2",
        'dir="{{ h.dir }}">{{ patient.name }}</p>',
        'dir="{{ h.dir }}">{{ patient.name | safe }}</p>',
        f"{T}::test_markup_in_a_name_prints_literally_on_page_1",
    ),
]


def run(label, path, old, new, tests):
    p = ROOT / path
    text = p.read_text()
    if old not in text:
        return label, "NOT APPLIED (text not found)"
    p.write_text(text.replace(old, new, 1))
    try:
        pytest = [str(ROOT / ".venv/bin/pytest"), "-q", "-x", "-rfE", "-p", "no:schemathesis"]
        r = subprocess.run(
            [*pytest, *tests.split()],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if r.returncode == 0:
            return label, "SURVIVED"
        failed = [line for line in r.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
        return label, "KILLED", *(f"\n    {line}" for line in failed)
    finally:
        p.write_text(text)


if __name__ == "__main__":
    only = sys.argv[1:]
    for m in MUTANTS:
        if only and not any(m[0].startswith(o) for o in only):
            continue
        print(*run(*m), flush=True)
