"""Each glyph reads as its own text (generator/render/glyphtext.py), also where a font draws
more glyphs for a cluster than it has characters: a lone combining mark is drawn on a dotted
circle, so one character gives two glyphs or more."""

from __future__ import annotations

import pytest

from generator.content import patient as patient_module
from generator.render import glyphtext

from .conftest import TODAY, pdf_pages


def test_a_cluster_of_more_glyphs_than_characters_shares_them_out_and_pads_the_rest():
    assert glyphtext._share("x", 3) == ["x", glyphtext.FILLER, glyphtext.FILLER]
    assert glyphtext._share("ab", 2) == ["a", "b"]
    assert glyphtext._share("abc", 2) == ["a", "bc"]


@pytest.mark.allow_missing_glyphs
def test_a_name_that_is_a_lone_combining_mark_is_printed(project):
    """Found by the reuse property test: a name "𑄮" (a Chakma vowel sign alone) stopped the
    render with StopIteration, so the desk answered 500."""
    name = "\U0001112e"
    patient = patient_module.make(name, "2028-02-29")
    made = project.render("microneedling", patient, TODAY)
    assert made.pages >= 2
    assert "PREPARED FOR" in pdf_pages(made.pdf)[0].upper()
