"""The checkout desk speaks the clinic's language (clinic.toml `locale`: es_US is Spanish),
from the same catalogs as the sheets: the form and every problem beside its fields, the result,
reprint, sign-in and error pages; an Arabic desk is right to left. The JSON API answers in
English whatever the clinic's language: its callers are programs."""

from __future__ import annotations

import html
import re
import shutil
from datetime import date, timedelta

import pytest

from generator import i18n
from generator.content.live import LiveContent
from generator.parallel.desk_pool import RenderPool
from generator.paths import CONTENT
from generator.sheet.schedule import Dates
from generator.web import desk, messages
from generator.web.app import create_app

from .test_web import TOKEN, csrf_of

TITLE = "Micro-Needling Post Procedure"  # the clinic's policy: its own words, not ours
# Every word the desk itself may show in English, as whole words, in any case.
ENGLISH = [
    "Aftercare sheets", "New aftercare sheet", "Procedure", "Procedure date", "Patient",
    "Patient name", "Today", "Another day", "Provider", "optional", "Paper", "Clinic default",
    "Letter", "Large print", "low vision", "Create PDF", "Next you see", "Reprint", "Look up",
    "Please fix", "thing", "things", "choose", "required", "must", "empty", "real date",
    "missing", "characters", "days after", "tick", "Yes, this date is right", "Sign in",
    "Sign out", "Access token", "not right", "expired", "Sheet ready", "Print", "Download",
    "Next patient", "Sheet ID", "Page 1", "Printed", "Action", "No sheets", "sheet", "sheets",
    "Back to the form", "Not Found", "no longer here", "Note", "register",
]  # fmt: skip


def clinic_in(folder, locale: str):
    """The shipped content in `folder`, its clinic in `locale`."""
    shutil.copytree(CONTENT, folder)
    clinic = folder / "clinic.toml"
    text = clinic.read_text(encoding="utf-8")
    assert 'locale = "en_US"' in text
    clinic.write_text(text.replace('locale = "en_US"', f'locale = "{locale}"'), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def spanish(tmp_path_factory):
    """A Spanish-speaking clinic (es_US) and one warm renderer of its content."""
    folder = clinic_in(tmp_path_factory.mktemp("spanish") / "content", "es_US")
    pool = RenderPool(folder, size=1, timeout=60)
    yield folder, pool
    pool.close()


@pytest.fixture
def app(spanish, register):
    folder, pool = spanish
    return create_app(LiveContent(folder, interval=0), pool, register=register)


@pytest.fixture
def client(app):
    return app.test_client()


def visible(page: str) -> str:
    """What a person reads or hears: the text, and the alt and aria-label attributes; the
    clinic's own words (its name, its policy's title) left out."""
    said = " ".join(re.findall(r'(?:alt|aria-label)="([^"]*)"', page))
    text = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", page, flags=re.DOTALL)
    words = html.unescape(f"{text} {said}")
    for own in (TITLE, "Harbor Skin Clinic"):
        words = words.replace(own, " ")
    return re.sub(r"\s+", " ", words)


def english_left(page: str, allowed: tuple[str, ...] = ()) -> list[str]:
    words = visible(page)
    return [
        w
        for w in ENGLISH
        if w not in allowed and re.search(rf"(?<!\w){re.escape(w)}(?!\w)", words, re.I)
    ]


def error_of(page: str, field: str) -> str:
    return html.unescape(page.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0])


def spanish_date(day: date) -> str:
    return Dates("es_US").long(day)


# ---------- The form ---------------------------------------------------------------------------


def test_the_form_is_in_spanish(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="es" dir="ltr">' in page
    for expected in (
        "<title>Nueva hoja de cuidado posterior · Harbor Skin Clinic</title>",
        '<span class="bar-title">Hojas de cuidado posterior</span>',
        "<h1>Nueva hoja de cuidado posterior</h1>",
        '<label for="policy">Procedimiento</label>',
        '<label for="name">Nombre del paciente</label>',
        "<legend>Fecha del procedimiento</legend>",
        f'<label for="when-today">Hoy, {spanish_date(date.today())}</label>',
        '<label for="when-other">Otro día:</label>',
        'aria-label="Otro día"',
        '<label for="provider">Profesional <span class="optional">(opcional)</span></label>',
        '<label for="paper">Papel</label>',
        '<option value="">Predeterminado de la clínica (Carta)</option>',
        '<option value="letter">Carta</option>',
        "Letra grande",
        '<button type="submit">Crear PDF</button>',
        '<a href="/reprint">Reimprimir o buscar una hoja</a>',
    ):
        assert expected in page, expected
    assert english_left(page) == []


def test_a_form_with_problems_says_each_in_spanish(client):
    response = client.post(
        "/", data={"csrf": csrf_of(client), "policy": "microneedling", "name": "", "when": "today"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Corrija 1 punto indicado abajo." in page
    assert error_of(page, "name") == "Nombre del paciente: no puede quedar en blanco"
    assert english_left(page) == []

    response = client.post(
        "/",
        data={"csrf": csrf_of(client), "name": "Lorem " * 42, "when": "other", "date": ""},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Corrija los 3 puntos indicados abajo." in page
    assert error_of(page, "policy") == "Procedimiento: elija un procedimiento"
    assert error_of(page, "name") == "Nombre del paciente: tiene 252 caracteres; como máximo 200"
    assert error_of(page, "date") == "Fecha del procedimiento: falta; escriba la fecha o elija Hoy"
    assert english_left(page) == []


@pytest.mark.parametrize(("days", "words"), [(45, "45 días después"), (-31, "31 días antes")])
def test_a_far_date_is_questioned_in_spanish(client, days, words):
    day = date.today() + timedelta(days=days)
    fields = {"policy": "microneedling", "name": "Ana", "when": "other", "date": str(day)}
    page = client.post("/", data={"csrf": csrf_of(client), **fields}).get_data(as_text=True)
    assert error_of(page, "date") == (
        f"Fecha del procedimiento: {spanish_date(day)}, {words} de hoy. Si es correcta, marque "
        "“Sí, esta fecha es correcta”"
    )
    assert '<label for="confirm_date">Sí, esta fecha es correcta</label>' in page
    assert english_left(page) == []


def test_an_invalid_date_and_an_expired_form_are_in_spanish(client):
    fields = {"policy": "microneedling", "name": "Ana", "when": "other", "date": "2026-02-30"}
    page = client.post("/", data={"csrf": csrf_of(client), **fields}).get_data(as_text=True)
    assert error_of(page, "date") == (
        "Fecha del procedimiento: no es una fecha válida (revise el mes y el día)"
    )
    expired = client.post("/", data=fields)
    assert expired.status_code == 400
    assert "El formulario había caducado. Revise los datos de abajo" in expired.get_data(
        as_text=True
    )


# ---------- The result, reprints and look-ups ------------------------------------------------


def test_the_result_reprint_and_look_up_pages_are_in_spanish(client):
    fields = {"policy": "microneedling", "name": "Ana Lorem", "when": "today"}
    made = client.post("/", data={"csrf": csrf_of(client), **fields})
    assert made.status_code == 303, made.get_data(as_text=True)[-600:]
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    [sheet_id] = re.findall(r"<dd>([0-9A-Z]{4}-[0-9A-Z]{4})</dd>", page)
    for expected in (
        "<title>Hoja lista · Harbor Skin Clinic</title>",
        "<h1>Hoja lista: revísela y luego imprímala</h1>",
        "<dt>Paciente</dt><dd>Ana Lorem</dd>",
        f"<dt>Procedimiento</dt><dd>{TITLE}</dd>",
        f"<dt>Fecha del procedimiento</dt><dd>{spanish_date(date.today())}</dd>",
        f"<dt>ID de hoja</dt><dd>{sheet_id}</dd>",
        ">Imprimir</a>",
        ">Descargar</a>",
        ">Siguiente paciente</a>",
        f'alt="Página 1 de la hoja de Ana Lorem, {TITLE}, {spanish_date(date.today())}"',
        "Página 1, tal como se imprimirá.",
    ):
        assert expected in page, expected
    assert english_left(page) == []
    assert client.get(made.headers["Location"] + "/sheet.pdf").status_code == 200  # printed

    form = client.get("/reprint").get_data(as_text=True)
    for expected in (
        "<h1>Reimprimir o buscar una hoja</h1>",
        '<a href="/">← Nueva hoja</a>',
        '<label for="id">ID de hoja</label>',
        '<label for="name">Nombre del paciente, como figura en la hoja</label>',
        '<button type="submit">Buscar</button>',
    ):
        assert expected in form, expected
    assert english_left(form) == []

    found = client.post("/lookup", data={"csrf": csrf_of(client), "name": "ana lorem"})
    page = found.get_data(as_text=True)
    assert "<caption>1 hoja para este nombre</caption>" in page
    assert '<th scope="col">Impresa</th>' in page
    assert f'aria-label="Reimprimir la hoja {sheet_id}"' in page
    assert english_left(page) == []

    none = client.post(
        "/lookup", data={"csrf": csrf_of(client), "name": "Nadie", "date": "2026-02-30"}
    ).get_data(as_text=True)
    assert error_of(none, "find-date") == (
        "Fecha del procedimiento: no es una fecha válida (revise el mes y el día)"
    )
    none = client.post("/lookup", data={"csrf": csrf_of(client), "name": "Nadie"})
    assert "No hay hojas para este nombre." in none.get_data(as_text=True)

    wrong = client.post("/reprint", data={"csrf": csrf_of(client), "id": sheet_id, "name": "Eva"})
    assert wrong.status_code == 422
    assert error_of(wrong.get_data(as_text=True), "name") == (
        f"El nombre no coincide con la hoja {sheet_id}"
    )
    unknown = client.post("/reprint", data={"csrf": csrf_of(client), "id": "ZZZZ-ZZZZ"})
    assert unknown.status_code == 422  # the name is missing too
    assert error_of(unknown.get_data(as_text=True), "name") == (
        "Nombre del paciente: este dato es obligatorio"
    )
    unknown = client.post(
        "/reprint", data={"csrf": csrf_of(client), "id": "ZZZZ-ZZZZ", "name": "Eva"}
    )
    assert unknown.status_code == 404
    assert error_of(unknown.get_data(as_text=True), "id") == (
        "No hay ninguna hoja ZZZZ-ZZZZ en el registro"
    )


# ---------- Sign-in and error pages ------------------------------------------------------------


def test_sign_in_and_sign_out_are_in_spanish(spanish):
    folder, pool = spanish
    client = create_app(LiveContent(folder, interval=0), pool, token=TOKEN).test_client()
    page = client.get("/signin").get_data(as_text=True)
    for expected in (
        "<title>Iniciar sesión · Harbor Skin Clinic</title>",
        '<label for="token">Clave de acceso</label>',
        '<button type="submit">Iniciar sesión</button>',
    ):
        assert expected in page, expected
    assert english_left(page) == []
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    wrong = client.post("/signin", data={"csrf": csrf, "token": "wrong-" + TOKEN})
    assert wrong.status_code == 401
    assert "Esa clave de acceso no es correcta." in wrong.get_data(as_text=True)
    expired = client.post("/signin", data={"csrf": "stale", "token": TOKEN})
    assert "El formulario había caducado." in expired.get_data(as_text=True)
    signed = client.post("/signin", data={"csrf": csrf, "token": TOKEN})
    assert signed.status_code == 302
    form = client.get("/").get_data(as_text=True)
    assert '<button type="submit" class="quiet">Cerrar sesión</button>' in form
    assert english_left(form) == []


def test_error_pages_are_in_spanish(client):
    missing = client.get("/no-such-page")
    page = missing.get_data(as_text=True)
    assert missing.status_code == 404
    assert "<h1>Página no encontrada</h1>" in page
    assert "La dirección solicitada no existe en el servidor." in page
    assert '<a href="/">Volver al formulario</a>' in page
    assert english_left(page) == []
    gone = client.get("/sheets/no-such-sheet").get_data(as_text=True)
    assert "Esta hoja ya no está disponible: la aplicación guarda las últimas 50 hojas" in gone
    assert english_left(gone) == []
    not_allowed = client.delete("/")
    assert not_allowed.status_code == 405
    assert "<h1>Acción no permitida</h1>" in not_allowed.get_data(as_text=True)


def test_an_unexpected_error_page_is_in_spanish(app, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(desk, "desk_page", fail)
    client = app.test_client()
    page = client.get("/")
    assert page.status_code == 500
    assert "<h1>Algo salió mal</h1>" in page.get_data(as_text=True)
    assert "error interno; los detalles están en" in page.get_data(as_text=True)


# ---------- The API stays English; an Arabic desk is right to left -----------------------------


def test_the_api_answers_in_english_at_a_spanish_clinic(client):
    response = client.post("/api/sheets", json={"policy": "microneedling", "name": ""})
    assert response.status_code == 422
    assert response.json == {"error": "must not be empty", "field": "name"}
    response = client.post("/api/sheets", json={"name": "Ana", "date": "2026-02-30"})
    errors = {p["field"]: p["error"] for p in response.json["problems"]}
    assert errors == {
        "policy": "is required: give policy (one procedure) or policies (several)",
        "date": "is not a real date (check the month and the day)",
    }
    assert "was not found on the server" in client.get("/api/nope").json["error"]


def test_an_arabic_desk_is_right_to_left_and_its_api_english(tmp_path, pool):
    folder = clinic_in(tmp_path / "content", "ar_EG")
    client = create_app(LiveContent(folder, interval=0), pool).test_client()
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert '<label for="name">اسم المريض</label>' in page
    assert '<button type="submit">إنشاء PDF</button>' in page
    assert english_left(page, allowed=("Letter",)) == []  # the paper size's own name
    assert client.get("/reprint").get_data(as_text=True).count('<a href="/">→ مستند جديد</a>') == 1
    api = client.post("/api/sheets", json={"policy": "microneedling", "name": ""})
    assert api.json == {"error": "must not be empty", "field": "name"}


def test_a_clinic_in_a_language_without_a_catalog_has_an_english_desk(tmp_path, pool):
    folder = clinic_in(tmp_path / "content", "de_DE")
    page = create_app(LiveContent(folder, interval=0), pool).test_client().get("/")
    text = page.get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in text and "<h1>New aftercare sheet</h1>" in text


# ---------- Shared messages -------------------------------------------------------------------


def test_every_shared_message_with_values_is_recognised_and_translated(app):
    """The English messages of code shared with the API, values and all, are found again by
    their pattern and translated whole; language names are given in the desk's language, and
    a reason that is itself a shared message is translated too."""
    words = i18n.translations("es")
    said = {  # a value as the shared code says it, and as the Spanish desk should
        "languages": ("English (en), Spanish (es)", "inglés (en), español (es)"),
        "language": ("Spanish (es)", "español (es)"),
        "reason": ("not reviewed", words.gettext("not reviewed")),
    }
    with app.test_request_context("/"):
        for template in messages.SHARED:
            names = re.findall(r"%\((\w+)\)s", template)
            values = {name: said.get(name, (f"«{name} {n}»",))[0] for n, name in enumerate(names)}
            english = template % values
            expected = words.gettext(template) % {
                name: said[name][1] if name in said else value for name, value in values.items()
            }
            assert messages.shared_text(english) == expected, template
            assert expected != english, template
        stale = "made from version 1.0 (0a1b2c3d); the English policy is now 1.1 (4e5f6a7b)"
        assert messages.shared_text(stale) == (
            "hecha a partir de la versión 1.0 (0a1b2c3d); la política en inglés ahora es la "
            "versión 1.1 (4e5f6a7b)"
        )
        assert messages.shared_text("Ya en español.") == "Ya en español."  # left as it is
