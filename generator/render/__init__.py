"""From a Sheet to PDF bytes: Jinja2 templates (`templates`), fitting the calendar on page 1
(`fitting`), WeasyPrint behind a restricted fetcher (`pdf`), the structure-tree corrections
(`tagging`), reuse of a kind's base (`reuse`), the write cache (`write_cache`), the one place
WeasyPrint is patched (`weasyprint_patches`), the per-process engine that ties them together
(`maker`), the page-1 picture (`preview`) and the digest of everything that shapes a layout
(`digest`).

Imports sheet, content and the base modules; never record, parallel, commands or web."""
