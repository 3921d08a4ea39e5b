"""The render engine of one process: templates, a warm WeasyPrint renderer and the reuse
of bases, turning (clinic, policies, patient) into a PDF."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from generator.content import clinic as clinic_module
from generator.content import patient as patient_module
from generator.content import policy as policy_module
from generator.errors import AftercareError, Problem
from generator.render.fitting import CalendarFitting
from generator.render.templates import Templates
from generator.sheet.model import DEFAULT_OPTIONS, Options, as_policies
from generator.sheet.model import build as build_sheet

if TYPE_CHECKING:
    from generator.render.pdf import Renderer, Result
    from generator.render.reuse import Reuse


_settled = False


def settle() -> None:
    """Once per process, after its first sheet: what is alive then (WeasyPrint's fonts and
    styles, Babel's locales, the templates, the caches) lives as long as the process, so it is
    collected once and moved out of the cyclic garbage collector's reach (`gc.freeze`). Every
    later collection walks only what later sheets made: a warm render costs about a fifth less
    (bench/bench.py). What is frozen is never freed: only what lives as long as the process
    should be alive then, which is why this waits for the first sheet to be made."""
    global _settled
    if not _settled:
        _settled = True
        gc.collect()
        gc.freeze()


class SheetMaker:
    """Templates and a warm renderer: (clinic, policy, patient) in, PDF out.

    It reads no content itself, so a desk worker can render whatever version of the content
    the desk decided to serve.
    """

    def __init__(self, content_dir: Path):
        self.content_dir = Path(content_dir)
        self.templates = Templates()
        self._renderer: Renderer | None = None
        self._reuse: Reuse | None = None

    @property
    def renderer(self) -> Renderer:
        """The renderer, made on first use: WeasyPrint, fonts and CSS load once per process."""
        if self._renderer is None:
            from generator.render.pdf import (
                Renderer,  # imported late: commands that render nothing start fast
            )

            self._renderer = Renderer(self.content_dir)
        return self._renderer

    @property
    def reuse(self) -> Reuse:
        """This process's bases of the sheets made so far, by kind (see reuse.py)."""
        if self._reuse is None:
            from generator.render.reuse import Reuse  # imported late, as the renderer is

            self._reuse = Reuse(lambda: self.renderer, self.templates.sheet_html, self._fitting)
        return self._reuse

    def _fitting(self, sheet):
        """The sheet's HTML variants and the check of each layout (see fitting.py)."""
        fitting = CalendarFitting(self.templates, sheet)
        return fitting.variants(), fitting.fits

    def render(
        self,
        clinic: clinic_module.Clinic,
        policies: policy_module.Policy | Sequence[policy_module.Policy],
        patient: patient_module.Patient | None,
        today: date | None = None,
        options: Options = DEFAULT_OPTIONS,
        *,
        full: bool = False,
        assets: Path | None = None,
    ) -> Result:
        """One sheet of one policy or of up to three done on the same day (a blank handout
        when `patient` is None); drafts only with options.draft; no personalised sheet of a
        policy overdue for review if the clinic refuses them.

        A personalised sheet is made from its kind's base when it can be (reuse.py): the
        same sheet as a full render, for a fraction of the cost; `full` forces the full
        render (tests and the benchmark compare the two). `assets` is a folder the sheet may
        also fetch from for this render: a reprint's archived clinic profile and logo."""
        today = today or date.today()
        chosen = as_policies(policies)
        problems = []
        for policy in chosen:
            if policy.draft and not options.draft:
                problems.append(
                    Problem(
                        "is a draft (draft: true), not for patients; print it with --draft to "
                        "review it (every page then says DRAFT)",
                        policy.path,
                    )
                )
            refusal = clinic.review_refusal(policy, today) if patient is not None else None
            if refusal:
                problems.append(refusal)
        if problems:
            raise AftercareError(*problems)
        sheet = build_sheet(clinic, chosen, patient, today, options)
        with self.renderer.fetcher.allowing(assets):
            result = None
            if not full and patient is not None:
                result = self.reuse.render(sheet, options.archival)
            if result is None:
                from generator.render.shaping import sharing  # lines shaped once, no patient's

                variants, fits = self._fitting(sheet)
                private = (patient.name, patient.provider) if patient else ()
                with sharing(*private):
                    result = self.renderer.render_first_fitting(variants, fits, options.archival)
        settle()
        return result
