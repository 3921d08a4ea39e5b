"""The clinic profile: the demo clinic loads; bad values are all reported with their lines."""

import pytest

from generator.content import clinic
from generator.errors import AftercareError
from generator.paths import CONTENT


def test_demo_clinic_loads():
    loaded = clinic.load(CONTENT / "clinic.toml")
    assert loaded.name == "Harbor Skin Clinic"
    assert loaded.paper == "letter"
    assert loaded.page_url("microneedling") == "https://harborskin.example/aftercare/microneedling/"
    assert loaded.logo.is_file()


def test_every_problem_is_reported_with_its_line(synthetic_content):
    path = synthetic_content / "clinic.toml"
    text = path.read_text()
    text = text.replace('primary = "#1f5f5b"', 'primary = "teal"')
    text = text.replace('logo = "harbor-logo.svg"', 'logo = "missing.svg"')
    text = text.replace('paper = "letter"', 'paper = "legal"\nfax = "none"')
    path.write_text(text)
    with pytest.raises(AftercareError) as info:
        clinic.load(path)
    problems = [str(p) for p in info.value.problems]
    lines = {
        name: n
        for n, line in enumerate(text.splitlines(), 1)
        for name in ("primary", "logo", "paper", "fax")
        if line.startswith(name)
    }
    assert (
        f"clinic.toml:{lines['primary']}: colors.primary: must be a colour as "
        "\"#rrggbb\", got 'teal'" in "\n".join(problems)
    )
    assert any(
        f"clinic.toml:{lines['logo']}: logo: file not found: missing.svg" in p for p in problems
    )
    assert any(
        f"clinic.toml:{lines['paper']}: paper: must be one of letter, a4" in p for p in problems
    )
    assert any(f"clinic.toml:{lines['fax']}: fax: unknown key" in p for p in problems)
    assert len(problems) == 4


def test_broken_toml_names_its_line(tmp_path):
    path = tmp_path / "clinic.toml"
    path.write_text('name = "Lorem"\nphone = \n')
    with pytest.raises(AftercareError) as info:
        clinic.load(path)
    assert "clinic.toml:2: not valid TOML" in str(info.value)


def test_logo_outside_the_content_folder_is_refused(synthetic_content):
    path = synthetic_content / "clinic.toml"
    path.write_text(path.read_text().replace('"harbor-logo.svg"', '"../../etc/hostname.svg"'))
    with pytest.raises(AftercareError, match="logo: must be a file inside the content folder"):
        clinic.load(path)


@pytest.mark.parametrize(
    ("key", "colour", "message"),
    [
        ("primary", "#fafafa", "#fafafa has a contrast of 1.04:1 against white; at least 4.5:1"),
        ("primary", "#777777", "#777777 has a contrast of 4.48:1 against white; at least 4.5:1"),
        ("accent", "#f5c400", "#f5c400 has a contrast of 1.64:1 against white; at least 3.0:1"),
    ],
)
def test_colours_must_be_readable_on_white(synthetic_content, key, colour, message):
    path = synthetic_content / "clinic.toml"
    text = path.read_text()
    old = 'primary = "#1f5f5b"' if key == "primary" else 'accent = "#b5562f"'
    path.write_text(text.replace(old, f'{key} = "{colour}"'))
    with pytest.raises(AftercareError) as info:
        clinic.load(path)
    [problem] = info.value.problems
    line = next(n for n, row in enumerate(path.read_text().splitlines(), 1) if colour in row)
    assert str(problem).endswith(
        f"clinic.toml:{line}: colors.{key}: {message}"
        " is needed to read it (WCAG 2.1): choose a darker colour"
    )


def test_the_demo_colours_pass_with_room_to_spare():
    colors = clinic.load(CONTENT / "clinic.toml").colors
    assert clinic.contrast_with_white(colors["primary"]) >= 7
    assert clinic.contrast_with_white(colors["accent"]) >= 4.5


def test_review_reading_acknowledgement_and_register_have_defaults():
    loaded = clinic.load(CONTENT / "clinic.toml")
    assert loaded.overdue_review == "warn"
    assert loaded.reading_grade_target == 8
    assert loaded.acknowledgement is False
    assert loaded.register is True


def test_review_reading_acknowledgement_and_register_are_read(synthetic_content):
    path = synthetic_content / "clinic.toml"
    keys = (
        'overdue_review = "refuse"\nreading_grade_target = 6.5\n'
        "acknowledgement = true\nregister = false\n"
    )
    path.write_text(path.read_text().replace("[colors]", f"{keys}\n[colors]"))
    loaded = clinic.load(path)
    assert loaded.overdue_review == "refuse"
    assert loaded.reading_grade_target == 6.5
    assert loaded.acknowledgement is True
    assert loaded.register is False


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('overdue_review = "block"', 'overdue_review: must be "warn" or "refuse", got \'block\''),
        ("overdue_review = true", 'overdue_review: must be "warn" or "refuse", got True'),
        (
            'reading_grade_target = "eight"',
            "reading_grade_target: must be a school grade from 1 to 18, like 8, got 'eight'",
        ),
        (
            "reading_grade_target = 40",
            "reading_grade_target: must be a school grade from 1 to 18, like 8, got 40",
        ),
        (
            "reading_grade_target = true",
            "reading_grade_target: must be a school grade from 1 to 18, like 8, got True",
        ),
        ('acknowledgement = "yes"', "acknowledgement: must be true or false, got 'yes'"),
        ("register = 1", "register: must be true or false, got 1"),
    ],
)
def test_review_reading_acknowledgement_and_register_values_are_checked(
    synthetic_content, setting, message
):
    path = synthetic_content / "clinic.toml"
    text = path.read_text().replace("[colors]", f"{setting}\n\n[colors]")
    path.write_text(text)
    with pytest.raises(AftercareError) as info:
        clinic.load(path)
    [problem] = info.value.problems
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row == setting)
    assert str(problem).endswith(f"clinic.toml:{line}: {message}")
