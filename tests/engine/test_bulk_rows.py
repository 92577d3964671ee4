"""The walker's write-only rows (tuples, not models) name every column of their table.

A column added to StepLog or Message must be added to its row too; otherwise its inserts
would leave it out (and fail on NOT NULL, or silently take no value).
"""

from __future__ import annotations

import pytest
from django.db.models import Model

from channels_plugins.models import Message
from journeys.engine.walker import MessageRow, StepRow
from journeys.models import StepLog


@pytest.mark.parametrize(("row", "model"), [(StepRow, StepLog), (MessageRow, Message)])
def test_rows_name_every_column_but_the_key(
    row: type[tuple[object, ...]], model: type[Model]
) -> None:
    columns = {f.attname for f in model._meta.concrete_fields if not f.primary_key}
    assert set(row._fields) == columns  # type: ignore[attr-defined]
