"""The OpenAPI description served at /api/openapi.json: exactly what the server enforces.

The name, provider and date rules are the patterns `patient.py` makes from the same rules it
checks, so a client (or a fuzzer) that follows this description is never surprised.
"""

from __future__ import annotations

from typing import Any

from generator import __version__
from generator.content.clinic import PAPERS
from generator.content.patient import DATE_PATTERN, MAX_LENGTH, text_patterns
from generator.content.printing import QUEUE_PATTERN
from generator.record.fhir import ABSOLUTE_REFERENCE_RE, MAX_REFERENCE, RELATIVE_REFERENCE_RE
from generator.record.register import SHEET_ID_PATTERN
from generator.sheet.model import MAX_PROCEDURES
from generator.web.state import MAX_BODY

MAX_DEPTH = 32  # levels of JSON nesting
# The same expressions that fhir.check_patient_reference matches whole.
REFERENCE_PATTERN = f"^(?:{RELATIVE_REFERENCE_RE.pattern}|{ABSOLUTE_REFERENCE_RE.pattern})$"


def _error(description: str, headers: dict | None = None) -> dict:
    response: dict = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if headers:
        response["headers"] = headers
    return response


_PROBLEM: dict[str, Any] = {  # one problem: what is wrong, and the field it is in (null when none)
    "type": "object",
    "required": ["error", "field"],
    "properties": {"error": {"type": "string"}, "field": {"type": ["string", "null"]}},
}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds to wait",
        "schema": {"type": "string"},
        "required": True,
    }
}
_SHEET_ID = {
    "X-Sheet-Id": {
        "description": "the sheet ID printed in the footer (absent when there is no register)",
        "schema": {"type": "string", "pattern": "^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$"},
    }
}
REGISTER_STATES = ["ok", "locked", "unwritable", "corrupt", "unreachable", "none"]
_PRINTED = {
    "X-Print-Job": {
        "description": (
            "with `print`: the CUPS job the sheet became, <queue>-<job number>; a repeat of "
            "a request with the same Idempotency-Key names the first job and prints nothing"
        ),
        "schema": {"type": "string"},
    },
    "X-Print-Error": {
        "description": (
            "with `print`: why the sheet was not printed (the queue is missing, stopped or "
            "not accepting jobs, or CUPS cannot be reached); the PDF is in the body all the same"
        ),
        "schema": {"type": "string"},
    },
}
_COMMON = {
    "401": _error("No valid 'Authorization: Bearer <token>' header (only when a token is set)"),
    "403": _error(
        "Without a token the server answers only requests addressed to a loopback host name"
    ),
    "413": _error(f"The body is larger than {MAX_BODY} bytes (refused before it is read)"),
    "429": _error(
        "Too many wrong tokens from this address; wait `Retry-After` seconds", _RETRY_AFTER
    ),
    "500": _error("Internal error; no details are given, the desk's log has one line"),
}


def spec(
    policy_slugs: list[str],
    languages: dict[str, list[str]] | None = None,
    print_queue: bool = False,
) -> dict:
    """The description, with `policy_slugs` as the policy enum and, for each, the languages
    its sheets can be issued in (default: English only); `print: true` is allowed only when
    the server has a print queue (`print_queue`)."""
    any_text, visible_text = text_patterns()
    languages = languages or {slug: ["en"] for slug in policy_slugs}
    every_language = sorted({code for codes in languages.values() for code in codes})
    description = spec_document(policy_slugs, any_text, visible_text, every_language)
    if len({tuple(codes) for codes in languages.values()}) > 1:
        # Policies differ in their languages: a language allows only the policies it has.
        request = description["components"]["schemas"]["SheetRequest"]
        request["anyOf"] = language_rules(policy_slugs, languages, every_language)
    if not print_queue:  # no queue of its own: false, null or a queue's name only
        rule = description["components"]["schemas"]["SheetRequest"]["properties"]["print"]
        rule["anyOf"][0] = {"enum": [False, None]}
    return description


def language_rules(
    policy_slugs: list[str], languages: dict[str, list[str]], every_language: list[str]
) -> list[dict]:
    """No language: the policies' own, so `policies` share it; or one language and only the
    policies issuable in it, for `policy` and for every item of `policies`."""
    rules: list[dict] = []
    for own in sorted({languages[slug][0] for slug in policy_slugs}):
        having = [slug for slug in policy_slugs if languages[slug][0] == own]
        rules.append(
            {"properties": {"lang": {"enum": ["", None]}, "policies": {"items": {"enum": having}}}}
        )
    for code in every_language:
        having = [slug for slug in policy_slugs if code in languages[slug]]
        rules.append(
            {
                "required": ["lang"],
                "properties": {
                    "lang": {"const": code},
                    "policy": {"enum": having},
                    "policies": {"items": {"enum": having}},
                },
            }
        )
    return rules


def spec_document(
    policy_slugs: list[str], any_text: str, visible_text: str, every_language: list[str]
) -> dict:
    """The description itself (see `spec`)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "aftercare",
            "version": __version__,
            "description": (
                "Personalised aftercare sheets as PDF. When the server has an access token, "
                "send it as 'Authorization: Bearer <token>'; after 5 wrong tokens in 15 minutes "
                "an address gets 429 until the window passes. Request bodies are at most "
                f"{MAX_BODY} bytes and JSON at most {MAX_DEPTH} levels deep. Other methods on "
                "these paths answer 405 with an Allow header. Patterns use Unicode mode."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"token": []}, {}],
        "paths": {
            "/api/sheets": {
                "post": {
                    "operationId": "makeSheet",
                    "summary": "Render one personalised sheet",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/SheetRequest"}
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": (
                                "The sheet as PDF; with 'Accept: application/fhir+json', a FHIR "
                                "R4 Bundle (collection) of a DocumentReference holding the PDF "
                                "and, when `patient_reference` is given, a CarePlan"
                            ),
                            "headers": {
                                "Content-Disposition": {
                                    "description": (
                                        "inline; filename=<policy>-<date>-<sheet ID>.pdf, or "
                                        "<a>+<b>-<date>-<sheet ID>.pdf for several procedures "
                                        "(<policy>-<lang>-... for a translation; without a "
                                        "register, no sheet ID); never the patient's name"
                                    ),
                                    "schema": {"type": "string"},
                                },
                                **_SHEET_ID,
                                **_PRINTED,
                            },
                            "content": {
                                "application/pdf": {
                                    "schema": {"type": "string", "format": "binary"}
                                },
                                "application/fhir+json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["resourceType", "type", "entry"],
                                        "properties": {
                                            "resourceType": {"const": "Bundle"},
                                            "type": {"const": "collection"},
                                            "entry": {"type": "array"},
                                        },
                                    }
                                },
                            },
                        },
                        "400": _error(
                            "The body is not a JSON object (malformed, wrong Content-Type, "
                            f"or nested deeper than {MAX_DEPTH} levels)"
                        ),
                        "422": _error(
                            "A field breaks its rule; `field` names it and `problems` lists "
                            "every one when there are several"
                        ),
                        "503": _error(
                            "Every renderer stayed busy, or the render passed its time limit; "
                            "try again after `Retry-After` seconds",
                            _RETRY_AFTER,
                        ),
                        **_COMMON,
                    },
                }
            },
            "/api/sheets/{id}": {
                "get": {
                    "operationId": "sheetEntry",
                    "summary": "What the register holds of one sheet (never a name)",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": SHEET_ID_PATTERN},
                            "description": (
                                "the sheet ID printed in the footer, XXXX-XXXX (either case; "
                                "O, I and L read as 0, 1 and 1; spaces and '-' anywhere)"
                            ),
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The entry",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Entry"}
                                }
                            },
                        },
                        "400": _error("Not a sheet ID: 8 letters and digits, XXXX-XXXX"),
                        "404": _error("No such sheet, or the clinic keeps no register"),
                        "503": _error("The register cannot be reached", _RETRY_AFTER),
                        **_COMMON,
                    },
                }
            },
            "/api/reprints": {
                "post": {
                    "operationId": "reprint",
                    "summary": "A registered sheet made again, byte for byte",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ReprintRequest"}
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "The same PDF as the original",
                            "headers": {
                                **_SHEET_ID,
                                "X-Name-Note": {
                                    "description": (
                                        "present when the name matches but is typed otherwise "
                                        "(capitals, spaces): the reprint prints it as typed"
                                    ),
                                    "schema": {"type": "string"},
                                },
                                "X-Provider-Note": {
                                    "description": (
                                        "present when the provider matches but is typed "
                                        "otherwise (capitals, spaces): the reprint prints it "
                                        "as typed"
                                    ),
                                    "schema": {"type": "string"},
                                },
                                "X-Layout-Note": {
                                    "description": (
                                        "present when templates or styles changed since: "
                                        "the layout may differ from the original"
                                    ),
                                    "schema": {"type": "string"},
                                },
                            },
                            "content": {
                                "application/pdf": {
                                    "schema": {"type": "string", "format": "binary"}
                                }
                            },
                        },
                        "400": _error("The body is not a JSON object"),
                        "404": _error("No such sheet, or the clinic keeps no register"),
                        "422": _error(
                            "A field is missing or wrong, or the name or provider does not "
                            "match the sheet; `field` names it"
                        ),
                        "503": _error("The register cannot be reached", _RETRY_AFTER),
                        **_COMMON,
                    },
                }
            },
            "/api/policies": {
                "get": {
                    "operationId": "listPolicies",
                    "summary": "The policies a sheet can be made for",
                    "responses": {
                        "200": {
                            "description": "Policies",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Policy"},
                                    }
                                }
                            },
                        },
                        **_COMMON,
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "operationId": "describe",
                    "summary": "This description",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        **_COMMON,
                    },
                }
            },
            "/healthz": {
                "get": {
                    "operationId": "health",
                    "summary": "Liveness; needs no token",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "Up",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Health"}
                                }
                            },
                        },
                        "403": _COMMON["403"],
                        "413": _COMMON["413"],
                        "500": _COMMON["500"],
                        "503": {
                            "description": "Up, but sheets cannot be made or recorded now",
                            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Health"}
                                }
                            },
                        },
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "SheetRequest": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name"],
                    "oneOf": [{"required": ["policy"]}, {"required": ["policies"]}],
                    "description": (
                        "Exactly one of `policy` (a sheet of one procedure) and `policies` "
                        "(one sheet for procedures done on the same visit)"
                    ),
                    "properties": {
                        "policy": {
                            "type": "string",
                            "enum": list(policy_slugs),
                            "description": "policy slug (GET /api/policies)",
                        },
                        "policies": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": MAX_PROCEDURES,
                            "uniqueItems": True,
                            "items": {"type": "string", "enum": list(policy_slugs)},
                            "description": (
                                f"instead of `policy`: up to {MAX_PROCEDURES} policy slugs, "
                                "each once, for one sheet of procedures done on the same "
                                "visit, in the order the sheet lists them"
                            ),
                        },
                        "name": {
                            "type": "string",
                            "maxLength": MAX_LENGTH,
                            "pattern": visible_text,
                            "examples": ["Jane Doe", "  Zoë  Lorem-Ipsum ", "李小龙", "سارة"],
                            "description": (
                                f"patient's name: at most {MAX_LENGTH} characters as sent, at "
                                "least one visible letter, mark or digit (Unicode L, M, N; "
                                "fillers and blanks such as U+3164 and U+2800 print nothing "
                                "and do not count); no control, unassigned, private-use or "
                                "invisible format characters (ZWJ and ZWNJ are allowed); white "
                                "space is collapsed"
                            ),
                        },
                        "date": {
                            "type": ["string", "null"],
                            "pattern": f"^$|{DATE_PATTERN}",
                            "examples": ["2026-11-23", "2024-02-29", "", None],
                            "description": (
                                "procedure date, YYYY-MM-DD, a real date from 1900-01-01 to "
                                "2199-12-31; null, empty or absent: today"
                            ),
                        },
                        "provider": {
                            "type": ["string", "null"],
                            "maxLength": MAX_LENGTH,
                            "pattern": any_text,
                            "examples": ["Dr. Rivera", "", "   ", None],
                            "description": (
                                "provider's name, same rules as `name`; null, empty or only "
                                "white space: none"
                            ),
                        },
                        "paper": {
                            "type": ["string", "null"],
                            "enum": [*PAPERS, None],
                            "description": "null or absent: the clinic's paper",
                        },
                        "large_print": {
                            "type": ["boolean", "null"],
                            "description": "large print, for patients with low vision",
                        },
                        "pdf_a": {
                            "type": ["boolean", "null"],
                            "description": "PDF/A-3a archive copy",
                        },
                        "print": {
                            "anyOf": [
                                {"type": ["boolean", "null"]},
                                {"type": "string", "pattern": QUEUE_PATTERN},
                            ],
                            "description": (
                                "also print the sheet on CUPS: true for this server's queue "
                                "(serve --print-queue, else clinic.toml's [printing] queue), "
                                "or a queue's name; false, null or absent: not printed. "
                                "Send an Idempotency-Key header to make a retry print nothing"
                            ),
                        },
                        "lang": {
                            "type": ["string", "null"],
                            "enum": [*every_language, "", None],
                            "description": (
                                "language of a reviewed, current translation of the policy, "
                                "or of every one of `policies` (GET /api/policies lists them); "
                                "null, empty or absent: the policies' own"
                            ),
                        },
                        "patient_reference": {
                            "type": ["string", "null"],
                            "maxLength": MAX_REFERENCE,
                            "pattern": REFERENCE_PATTERN,
                            "examples": ["Patient/123", "https://fhir.example/r4/Patient/123"],
                            "description": (
                                "for a FHIR answer: the patient in your FHIR server, the "
                                "subject of the DocumentReference and CarePlan; not stored"
                            ),
                        },
                    },
                },
                "ReprintRequest": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "name"],
                    "properties": {
                        "id": {
                            "type": "string",
                            "pattern": SHEET_ID_PATTERN,
                            "examples": ["K7QM-2X9A"],
                        },
                        "name": {
                            "type": "string",
                            "maxLength": MAX_LENGTH,
                            "pattern": visible_text,
                            "description": "as on the original sheet; the rules of `name` above",
                        },
                        "provider": {
                            "type": ["string", "null"],
                            "maxLength": MAX_LENGTH,
                            "pattern": any_text,
                            "description": "required when the original had one",
                        },
                    },
                },
                "Entry": {
                    "type": "object",
                    "required": [
                        "id",
                        "issued_at",
                        "channel",
                        "policies",
                        "lang",
                        "procedure_date",
                        "printed_on",
                        "paper",
                        "large_print",
                        "pdf_a",
                        "has_provider",
                        "generator_version",
                        "layout_current",
                    ],
                    "properties": {
                        "id": {"type": "string"},
                        "issued_at": {"type": "string", "description": "UTC"},
                        "channel": {"enum": ["cli", "batch", "desk", "api"]},
                        "session": {"type": ["string", "null"]},
                        "policies": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["slug", "version", "hash", "lang"],
                                "properties": {
                                    "slug": {"type": "string"},
                                    "version": {"type": "string"},
                                    "hash": {"type": "string"},
                                    "lang": {"type": "string"},
                                },
                            },
                        },
                        "lang": {"type": "string"},
                        "procedure_date": {"type": "string", "format": "date"},
                        "printed_on": {"type": "string", "format": "date"},
                        "paper": {"type": "string"},
                        "large_print": {"type": "boolean"},
                        "pdf_a": {"type": "boolean"},
                        "has_provider": {"type": "boolean"},
                        "generator_version": {"type": "string"},
                        "layout_current": {"type": "boolean"},
                    },
                },
                "Policy": {
                    "type": "object",
                    "required": ["slug", "title", "version", "languages"],
                    "properties": {
                        "slug": {"type": "string"},
                        "title": {"type": "string"},
                        "version": {"type": "string"},
                        "languages": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "its own language first, then ready translations",
                        },
                    },
                },
                "Health": {
                    "type": "object",
                    "required": ["status", "version", "renderers", "content_problems", "register"],
                    "properties": {
                        "status": {
                            "enum": ["ok", "unavailable"],
                            "description": "ok: sheets can be made and recorded now",
                        },
                        "register": {
                            "enum": [
                                "ok",
                                "locked",
                                "unwritable",
                                "corrupt",
                                "unreachable",
                                "none",
                            ],
                            "description": "whether sheets can be recorded now (none: no register)",
                        },
                        "version": {"type": "string"},
                        "renderers": {"type": "integer", "minimum": 0},
                        "content_problems": {
                            "type": "integer",
                            "minimum": 0,
                            "description": "problems in content files; the desk shows them",
                        },
                    },
                },
                "Problem": _PROBLEM,
                "Error": {
                    **_PROBLEM,
                    "properties": {
                        **_PROBLEM["properties"],
                        "problems": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Problem"},
                        },
                    },
                },
            },
        },
    }
