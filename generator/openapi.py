"""The OpenAPI description served at /api/openapi.json."""

from . import __version__

_ERROR = {
    "description": "Bad input: what is wrong, and the field it is in (null when none)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}

SPEC = {
    "openapi": "3.1.0",
    "info": {
        "title": "aftercare",
        "version": __version__,
        "description": "Personalised aftercare sheets as PDF. When the server has an access "
        "token, send it as 'Authorization: Bearer <token>'.",
    },
    "paths": {
        "/api/sheets": {
            "post": {
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
                        "description": "The sheet",
                        "content": {
                            "application/pdf": {"schema": {"type": "string", "format": "binary"}}
                        },
                    },
                    "400": _ERROR,
                    "401": _ERROR,
                    "422": _ERROR,
                    "503": _ERROR,
                },
            }
        },
        "/api/policies": {
            "get": {
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
                    }
                },
            }
        },
        "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "Up"}}}},
    },
    "components": {
        "schemas": {
            "SheetRequest": {
                "type": "object",
                "additionalProperties": False,
                "required": ["policy", "name"],
                "properties": {
                    "policy": {"type": "string", "description": "policy slug"},
                    "name": {"type": "string", "minLength": 1, "maxLength": 200},
                    "date": {
                        "type": "string",
                        "format": "date",
                        "description": "procedure date, YYYY-MM-DD; default today",
                    },
                    "provider": {"type": ["string", "null"], "maxLength": 200},
                    "paper": {"type": ["string", "null"], "enum": ["letter", "a4", None]},
                    "large_print": {
                        "type": "boolean",
                        "default": False,
                        "description": "body text of 16 pt or more",
                    },
                    "pdf_a": {
                        "type": "boolean",
                        "default": False,
                        "description": "PDF/A-3a archive copy",
                    },
                },
            },
            "Policy": {
                "type": "object",
                "properties": {
                    "slug": {"type": "string"},
                    "title": {"type": "string"},
                    "version": {"type": "string"},
                },
            },
            "Error": {
                "type": "object",
                "required": ["error", "field"],
                "properties": {"error": {"type": "string"}, "field": {"type": ["string", "null"]}},
            },
        }
    },
}
