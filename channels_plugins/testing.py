"""Helpers and contract tests for plugin authors.

    from channels_plugins.testing import ChannelContract, registered_plugin

    class TestMyChannel(ChannelContract):
        channel = MY_CHANNEL

`registered_plugin(module_or_object, name=...)` registers a plugin for the duration of a
`with` block and yields the registry with it; after the block the registry is rebuilt without
it. Entry points still load unless the test turns `LOAD_ENTRY_POINTS` off.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from channels_plugins.base import Channel, Provider, ReceiptRejected, ReceiptRequest
from channels_plugins.manager import temporary_plugin
from channels_plugins.registry import Registry, get_registry


@contextmanager
def registered_plugin(plugin: object, *, name: str) -> Iterator[Registry]:
    """Rebuild the registry with `plugin` added, and restore it afterwards."""
    with temporary_plugin(plugin, name=name):
        yield get_registry()


def _properties(schema: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for name, spec in schema.get("properties", {}).items():
        yield name, spec
        if isinstance(spec, Mapping):
            yield from ((f"{name}.{inner}", s) for inner, s in _properties(spec))


def schema_problems(schema: Mapping[str, Any]) -> list[str]:
    """What makes a params or config schema unfit for validation and for canvas forms."""
    problems: list[str] = []
    try:
        Draft202012Validator.check_schema(dict(schema))
    except SchemaError as exc:
        return [f"not a valid draft 2020-12 schema: {exc}"]
    if schema.get("type") != "object":
        problems.append("the schema must describe an object")
    if schema.get("additionalProperties") is not False:
        problems.append("the schema must be closed (additionalProperties: false)")
    for name, spec in _properties(schema):
        if not isinstance(spec, Mapping) or not spec.get("title") or not spec.get("description"):
            problems.append(f"property {name} needs a title and a description")
    return problems


class ChannelContract:
    """Subclass with `channel = MyChannel(...)`; pytest collects the checks."""

    channel: ClassVar[Channel]

    def test_name_is_a_simple_identifier(self) -> None:
        assert self.channel.name.replace("_", "").isalnum(), self.channel.name

    def test_params_schema_is_fit_for_forms(self) -> None:
        assert schema_problems(self.channel.params_schema) == []


class ProviderContract:
    """Subclass with `provider = MyProvider(...)` and a valid `example_config`."""

    provider: ClassVar[Provider]
    example_config: ClassVar[dict[str, Any]] = {}

    def test_serves_at_least_one_channel(self) -> None:
        assert self.provider.channels

    def test_config_schema_is_fit_for_forms(self) -> None:
        assert schema_problems(self.provider.config_schema) == []

    def test_example_config_is_valid(self) -> None:
        validator = Draft202012Validator(dict(self.provider.config_schema))
        assert [e.message for e in validator.iter_errors(self.example_config)] == []

    def test_secrets_are_strings(self) -> None:
        for path in self.provider.secret_paths():
            spec: Any = self.provider.config_schema
            for key in path:
                spec = spec["properties"][key]
            assert spec.get("type") == "string", "/".join(path)

    def test_receipt_methods_come_in_pairs(self) -> None:
        """Overriding one receipt method alone would leave the endpoint answering 405."""
        cls = type(self.provider)
        overridden = {
            name
            for name in ("verify_receipt", "parse_receipts")
            if getattr(cls, name) is not getattr(Provider, name)
        }
        assert overridden in (set(), {"verify_receipt", "parse_receipts"}), overridden

    def test_an_unsigned_receipt_is_rejected(self) -> None:
        if not self.provider.accepts_receipts:
            return
        import pytest  # only test runs import this module's contracts

        unsigned = ReceiptRequest(body=b"{}", headers={}, received_at=datetime.now(UTC))
        with pytest.raises(ReceiptRejected) as caught:
            self.provider.verify_receipt(self.example_config, unsigned)
        assert caught.value.code, "a rejection needs a stable code"
        assert 400 <= caught.value.status < 500
