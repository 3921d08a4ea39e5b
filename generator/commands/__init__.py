"""One module per command of the CLI: `sheet`, `batch`, `handouts`, `site`, `check`, `serve`,
and the record of incremental builds they share (`incremental`). Each command is a plain
function; `generator.cli` parses arguments and imports a command's module only when it runs.

May import every layer below (web, parallel, record, project, render, sheet, content, base);
never `generator.cli`."""
