"""Dry runs of journeys: the real engine, a virtual clock, a database of its own.

`request` judges what was asked; `runs` records a run and executes it now or as a django-q2
task; `process` runs it in a child process (`touchflow_simulate`) over a copy of a migrated,
empty SQLite file; there `world` rebuilds the workspace's journey, sandbox accounts, segments
and the `population`, `loop` moves the clock from one due moment to the next through the real
ingestion, enrollment, walker and dispatch, and `report` reads back per-node counts in the
stats shape with sample walks. `draws` makes every random choice a function of the seed.
"""
