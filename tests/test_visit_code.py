"""A combined sheet's QR code carries each procedure's visit code, not its slug: version 4 or
lower with modules of 1 mm, read from page 1 at 100 dpi blurred by zbar and zxing; two
policies with one code cannot be on one site. (tests/test_browser.py: the visit page reads
the codes, and every form printed before.)"""

from __future__ import annotations

import itertools
import shutil
from datetime import date

import pytest
import zxingcpp
from PIL import ImageFilter

from generator.commands.site import build_site
from generator.content import patient as patient_module
from generator.errors import AftercareError
from generator.paths import CONTENT
from generator.project import Project
from generator.sheet import visit_code
from generator.sheet.model import Options

from .conftest import DATA, TODAY, zbar_qr_codes
from .test_qr import page_image, printed_code

VISIT = "https://harborskin.example/aftercare/visit/"
BOTH = ["microneedling", "example-procedure"]
KINDS = {  # what each sheet's code opens
    "letter": VISIT + "#jdkajjer20261123",
    "a4": VISIT + "#jdkajjer20261123",
    "large print": VISIT + "#jdkajjer20261123",
    "blank handout": VISIT + "#jdkajjer",
}


@pytest.fixture(scope="module")
def sheets(tmp_path_factory):
    content = tmp_path_factory.mktemp("content")
    for name in ("clinic.toml", "harbor-logo.svg", "microneedling.md"):
        shutil.copy(CONTENT / name, content)
    shutil.copy(DATA / "example-procedure.md", content)
    project = Project(content)
    jane = patient_module.make("Jane Doe", "2026-11-23", "Dr. Rivera")
    return {
        "letter": project.render(BOTH, jane, TODAY).pdf,
        "a4": project.render(BOTH, jane, TODAY, Options(paper="a4")).pdf,
        "large print": project.render(BOTH, jane, TODAY, Options(large_print=True)).pdf,
        "blank handout": project.render(BOTH, None, TODAY).pdf,
    }


@pytest.mark.parametrize("kind", KINDS)
def test_the_combined_code_is_version_4_read_from_page_1_blurred_at_100_dpi(sheets, kind):
    pdf = sheets[kind]
    page = 1 if kind == "large print" else 0  # the plans of two fill page 1 in large print
    code = printed_code(pdf, page)
    assert code.version <= 4
    assert code.module_mm >= 1.0, f"{code.module_mm:.3f} mm"
    blurred = page_image(pdf, page, dpi=100).filter(ImageFilter.GaussianBlur(1))
    assert zbar_qr_codes(blurred) == [KINDS[kind]]
    zxing = zxingcpp.read_barcodes(blurred, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [result.text for result in zxing] == [KINDS[kind]]


def test_a_visit_code_is_four_letters_from_the_slug_and_the_date_follows():
    assert visit_code.code("microneedling") == "jdka"  # the same on every machine, forever
    assert visit_code.fragment(BOTH, date(2026, 11, 23)) == "jdkajjer20261123"
    assert visit_code.fragment(BOTH, None) == "jdkajjer"


def test_two_policies_with_one_code_cannot_be_on_one_site(tmp_path):
    slugs = (f"lorem-{number}" for number in itertools.count())
    seen: dict[str, str] = {}
    for slug in slugs:  # about a thousand tries find two slugs with one code
        if (other := seen.setdefault(visit_code.code(slug), slug)) != slug:
            break
    content = tmp_path / "content"
    content.mkdir()
    for name in ("clinic.toml", "harbor-logo.svg"):
        shutil.copy(CONTENT / name, content)
    for name in (other, slug):
        shutil.copy(DATA / "example-procedure.md", content / f"{name}.md")
    with pytest.raises(AftercareError) as raised:
        build_site(Project(content), tmp_path / "site")
    assert f"policies '{other}' and '{slug}' have the same visit code" in str(raised.value)
    assert not (tmp_path / "site" / "visit").exists()
