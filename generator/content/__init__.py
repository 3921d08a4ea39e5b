"""The clinic's material, read and validated: policies (markdown with YAML front matter that
remembers its lines), their translations, the clinic profile, the patient details typed at the
desk, and the live view of the content folder a running desk serves.

Imports only the base modules (`generator.errors`, `files`, `paths`, `i18n`); never sheet,
render, record, parallel, commands or web."""
