"""Rendering in other processes: the desk's pool of warm, spawned renderers with a deadline
and kill-and-replace (`desk_pool`), and the batch pool that spreads a CSV over the cores
(`batch_pool`).

Imports record, `generator.project`, render, sheet, content and the base modules; never
commands or web."""
