"""The walker's write-only rows (tuples, not models) name every column of their table.

A column added to PassLog or Message must be added to its row too; otherwise its inserts
would leave it out (and fail on NOT NULL, or silently take no value).
"""

from __future__ import annotations

import pytest
from django.db.models import Model

from channels_plugins.models import Message
from journeys.engine.step_log import PassRow
from journeys.engine.walker import MAX_STEPS_PER_PASS, MessageRow
from journeys.models import PassLog
from journeys.models.enrollment import PASS_VISITS_MAX


@pytest.mark.parametrize(("row", "model"), [(PassRow, PassLog), (MessageRow, Message)])
def test_rows_name_every_column_but_the_key(
    row: type[tuple[object, ...]], model: type[Model]
) -> None:
    columns = {f.attname for f in model._meta.concrete_fields if not f.primary_key}
    assert set(row._fields) == columns  # type: ignore[attr-defined]


def test_a_pass_fits_the_step_ids() -> None:
    """A step's id is its pass's id * PASS_VISITS_MAX plus its index: a longer pass would
    give two steps one id."""
    assert MAX_STEPS_PER_PASS <= PASS_VISITS_MAX
