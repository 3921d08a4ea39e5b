"""What was issued to whom, kept without a second store of names: the register of sheets
(keyed HMACs only, SQLite or PostgreSQL), issuing a sheet with its register entry, reprinting
one byte for byte, and a sheet as a FHIR R4 Bundle.

Imports `generator.project`, render, sheet, content and the base modules; never parallel,
commands or web."""
