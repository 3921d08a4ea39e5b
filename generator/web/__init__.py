"""The checkout desk (a form) and the JSON API, as one Flask app (`app.create_app`).

`create_app` only wires things together: the blueprints (`access`, `desk`, `api`) hold
module-level views, and what they share lives in `DeskState`, reached through `state()`.
Patient data never reaches a URL, a log line or a cookie.

Imports parallel, record, `generator.project`, render, sheet, content and the base modules;
never commands or the CLI. Importing the package itself loads nothing, so `aftercare token`
reads `web.tokens` without Flask.
"""
