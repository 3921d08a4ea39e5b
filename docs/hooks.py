"""MkDocs hook: the reference pages, generated from the code at every build.

- `reference/cli.md` from the argparse parser (`generator.cli.make_parser`),
- `reference/clinic-toml.md` and `reference/policy.md` from the key lists the validators use
  (`generator.content.schema`),
- `reference/api.md` and `reference/openapi.json` from the OpenAPI document the desk serves
  at /api/openapi.json (built by the same app, on the shipped content).

Nothing here is copied by hand, so the reference cannot drift from what the code accepts.

It also keeps the site offline: Material's offline plugin loads a shim for search from
unpkg.com; the hook serves the same file (npm's iframe-worker, pinned in package-lock.json)
from the site itself."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from mkdocs.structure.files import File, Files

SHIM_URL = "https://unpkg.com/iframe-worker/shim"
SHIM = (
    Path(__file__).resolve().parent.parent / "node_modules" / "iframe-worker" / "shim" / "index.js"
)
SHIM_IN_SITE = "assets/javascripts/iframe-worker-shim.js"

PAGES = ("reference/cli.md", "reference/clinic-toml.md", "reference/policy.md", "reference/api.md")


def on_files(files: Files, config) -> Files:
    """Add the generated pages to the site (they exist only in the build)."""
    made = {
        "reference/cli.md": cli_page(),
        "reference/clinic-toml.md": clinic_page(),
        "reference/policy.md": policy_page(),
        "reference/api.md": api_page(),
        "reference/openapi.json": json.dumps(served_openapi(), indent=1, sort_keys=True),
    }
    for path, content in made.items():
        existing = files.get_file_from_path(path)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, path, content=content))
    return files


def on_post_page(output: str, page, config) -> str:
    """Point the search shim at the site's own copy."""
    depth = page.file.dest_uri.count("/")
    return output.replace(SHIM_URL, "../" * depth + SHIM_IN_SITE)


def on_post_build(config) -> None:
    """Copy the search shim into the site (run `make setup-test` for node_modules)."""
    if not SHIM.exists():
        raise FileNotFoundError(f"{SHIM} is missing: run `make setup-test` (npm ci)")
    site = Path(config["site_dir"])
    shutil.copyfile(SHIM, site / SHIM_IN_SITE)
    for page in site.glob("*.html"):  # the 404 page is not built through on_post_page
        text = page.read_text(encoding="utf-8")
        if SHIM_URL in text:
            page.write_text(text.replace(SHIM_URL, SHIM_IN_SITE), encoding="utf-8")


# ---------- The CLI ---------------------------------------------------------------------


def cli_page() -> str:
    from generator.cli import make_parser

    parser = make_parser()
    out = [
        "# Command line",
        "",
        "Generated from the `aftercare` command's own parser: every command and option.",
        "`python -m generator` takes the same arguments.",
        "",
        "```text",
        parser.format_help().rstrip(),
        "```",
    ]
    for name, sub in _subcommands(parser).items():
        out += ["", f"## aftercare {name}", "", (sub.description or sub.format_usage()).strip()]
        out += ["", "```text", sub.format_help().rstrip(), "```"]
        for child_name, child in _subcommands(sub).items():
            out += ["", f"### aftercare {name} {child_name}", ""]
            out += ["```text", child.format_help().rstrip(), "```"]
    return "\n".join(out) + "\n"


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse offers no public way to list subparsers
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


# ---------- clinic.toml and the policy's front matter -----------------------------------


def _keys_table(keys) -> list[str]:
    rows = ["| key | required | example | what it means |", "|---|---|---|---|"]
    for key in keys:
        example = key.example.replace("|", "\\|")
        doc = key.doc.replace("|", "\\|")
        rows.append(f"| `{key.name}` | {'yes' if key.required else 'no'} | `{example}` | {doc} |")
    return rows


def clinic_page() -> str:
    from generator.content import schema

    return (
        "\n".join(
            [
                "# clinic.toml",
                "",
                "Generated from the list of keys `aftercare` validates `content/clinic.toml` with",
                "(`generator/content/schema.py`). Any other key is an error that names it.",
                "",
                *_keys_table(schema.CLINIC),
            ]
        )
        + "\n"
    )


def policy_page() -> str:
    from generator.content import schema

    return (
        "\n".join(
            [
                "# Policy front matter",
                "",
                "Generated from the lists of keys `aftercare` validates policies with",
                "(`generator/content/schema.py`). Any other key is an error that names it.",
                "",
                "## A policy: `content/<slug>.md`",
                "",
                *_keys_table(schema.POLICY),
                "",
                "## Each phase (an entry of `phases`)",
                "",
                *_keys_table(schema.PHASE),
                "",
                "## A translation: `content/<slug>.<lang>.md`",
                "",
                *_keys_table(schema.TRANSLATION),
            ]
        )
        + "\n"
    )


# ---------- The JSON API ----------------------------------------------------------------


def served_openapi() -> dict:
    """The OpenAPI document as the desk serves it for the shipped content."""
    from generator.content.live import LiveContent
    from generator.paths import CONTENT
    from generator.web.app import create_app

    app = create_app(LiveContent(CONTENT), None)
    response = app.test_client().get("/api/openapi.json")
    assert response.status_code == 200, response.status_code
    return response.get_json()


def api_page() -> str:
    spec = served_openapi()
    out = [
        "# JSON API",
        "",
        "Generated from the OpenAPI document the desk serves at `/api/openapi.json` (for the",
        "shipped content; a clinic's server lists its own procedures and languages).",
        "[Download it](openapi.json) for your own tools.",
        "",
        spec["info"].get("description", ""),
    ]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            out += ["", f"## `{method.upper()} {path}`", "", operation.get("summary", "")]
            if operation.get("description"):
                out += ["", operation["description"]]
            for parameter in operation.get("parameters", []):
                out += [
                    "",
                    f"- parameter `{parameter['name']}` ({parameter['in']}): "
                    f"{parameter.get('description', '')} {_rule(parameter.get('schema', {}))}",
                ]
            body = operation.get("requestBody", {}).get("content", {})
            for media, content in body.items():
                out += ["", f"Request body ({media}): {_ref_link(content.get('schema', {}))}"]
            out += ["", "| status | means |", "|---|---|"]
            for status, response in operation.get("responses", {}).items():
                out.append(f"| {status} | {response.get('description', '')} |")
    out += ["", "## Schemas"]
    for name, schema in spec["components"]["schemas"].items():
        out += ["", f"### {name}", ""]
        if schema.get("description"):
            out += [schema["description"], ""]
        properties = schema.get("properties", {})
        if properties:
            out += ["| field | required | rule | meaning |", "|---|---|---|---|"]
            required = set(schema.get("required", []))
            for field, rule in properties.items():
                out.append(
                    f"| `{field}` | {'yes' if field in required else 'no'} | "
                    f"{_rule(rule)} | {rule.get('description', '')} |".replace("\n", " ")
                )
    return "\n".join(out) + "\n"


def _ref_link(schema: dict) -> str:
    ref = schema.get("$ref", "")
    name = ref.rpartition("/")[2]
    return f"[{name}](#{name.lower()})" if name else _rule(schema)


def _rule(schema: dict) -> str:
    """A schema's rule in a few words: type, enum, pattern, lengths."""
    parts = []
    if "$ref" in schema:
        return _ref_link(schema)
    kind = schema.get("type")
    if kind:
        parts.append("/".join(kind) if isinstance(kind, list) else kind)
    if "enum" in schema:
        parts.append("one of " + ", ".join(f"`{v}`" for v in schema["enum"]))
    for word, key in (("at least", "minLength"), ("at most", "maxLength")):
        if key in schema:
            parts.append(f"{word} {schema[key]} characters")
    if "pattern" in schema:
        parts.append(f"pattern `{schema['pattern']}`".replace("|", "\\|"))
    if "format" in schema:
        parts.append(schema["format"])
    if "items" in schema:
        parts.append("of " + _rule(schema["items"]))
    return ", ".join(parts)
