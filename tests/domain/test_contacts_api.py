"""Contacts API: upsert, reads and writes by external id, bulk, scopes and tenancy."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.test import override_settings
from rest_framework.fields import empty
from rest_framework.test import APIClient

from core.api.contacts import ContactSerializer
from core.models import Contact, Workspace
from core.signals import contact_changed
from tests.conftest import ClientFactory

pytestmark = pytest.mark.django_db

CONTACTS = "/api/v1/contacts/"
BULK = "/api/v1/contacts/bulk/"


def detail(external_id: str, safe: str = "") -> str:
    return f"{CONTACTS}{quote(external_id, safe=safe)}/"


def upsert(api: APIClient, body: Any) -> Any:
    return api.post(CONTACTS, body, format="json")


def bulk(api: APIClient, items: Any) -> Any:
    return api.post(BULK, {"contacts": items}, format="json")


def stored(workspace: Workspace) -> dict[str, Contact]:
    return {c.external_id: c for c in Contact.objects.filter(workspace=workspace)}


# --- upsert ---------------------------------------------------------------------------------


def test_upsert_creates_then_updates_merging_attributes_and_consents_and_replacing_tags(
    api: APIClient, workspace: Workspace
) -> None:
    created = upsert(
        api,
        {
            "external_id": "u-1",
            "email": "ann@example.com",
            "phone": "+8613800000000",
            "first_name": "Ann",
            "timezone": "Asia/Shanghai",
            "attributes": {"city_tier": 1, "age": 27},
            "tags": ["vip", "new"],
            "consents": {"sms": True, "email": False},
            "push_tokens": [{"provider": "huawei", "token": "tok-1"}],
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body["external_id"] == "u-1"
    assert body["attributes"] == {"city_tier": 1, "age": 27}
    assert body["push_tokens"] == [{"provider": "huawei", "token": "tok-1"}]

    updated = upsert(
        api,
        {
            "external_id": "u-1",
            "last_name": "Lee",
            "attributes": {"age": 28, "gender": "female"},
            "tags": ["churn_risk"],
            "consents": {"email": True},
        },
    )
    assert updated.status_code == 200
    body = updated.json()
    assert body["attributes"] == {"city_tier": 1, "age": 28, "gender": "female"}
    assert body["consents"] == {"sms": True, "email": True}
    assert body["tags"] == ["churn_risk"]
    # Fields not given stay as they were.
    assert body["first_name"] == "Ann"
    assert body["email"] == "ann@example.com"
    assert body["last_name"] == "Lee"

    contact = Contact.objects.get(workspace=workspace)
    assert contact.external_id == "u-1"
    assert contact.attributes == {"city_tier": 1, "age": 28, "gender": "female"}
    assert contact.consents == {"sms": True, "email": True}
    assert contact.tags == ["churn_risk"]
    assert contact.push_tokens == [{"provider": "huawei", "token": "tok-1"}]
    assert api.get(detail("u-1")).json() == body


def test_upsert_answers_with_the_payload_fields(api: APIClient) -> None:
    body = upsert(api, {"external_id": "u-1"}).json()
    expected = {
        "external_id",
        "email",
        "phone",
        "timezone",
        "locale",
        "first_name",
        "last_name",
        "attributes",
        "tags",
        "push_tokens",
        "wechat_openid",
        "consents",
    }
    assert expected <= set(body)


# --- by external id -------------------------------------------------------------------------

ODD_IDS = [
    "a/b/c",
    "ann@example.com",
    "first.last",
    "john doe",
    "with / slash @ and . dots",
    "/leading-slash",
    "100%",
    "q?x=1#frag",
    "中文",
]


@pytest.mark.parametrize("safe", ["", "/"], ids=["slash-encoded", "slash-literal"])
@pytest.mark.parametrize("external_id", ODD_IDS)
def test_get_patch_delete_by_external_id(
    api: APIClient, workspace: Workspace, external_id: str, safe: str
) -> None:
    assert upsert(api, {"external_id": external_id, "first_name": "A"}).status_code == 201
    url = detail(external_id, safe)

    got = api.get(url)
    assert got.status_code == 200
    assert got.json()["external_id"] == external_id

    patched = api.patch(url, {"first_name": "B", "attributes": {"k": 1}}, format="json")
    assert patched.status_code == 200
    assert patched.json()["first_name"] == "B"
    assert Contact.objects.get(workspace=workspace, external_id=external_id).first_name == "B"

    assert api.delete(url).status_code == 204
    assert not Contact.objects.filter(workspace=workspace).exists()
    assert api.get(url).status_code == 404


def test_ids_that_share_a_prefix_are_not_confused(api: APIClient) -> None:
    upsert(api, {"external_id": "a", "first_name": "short"})
    upsert(api, {"external_id": "a/b", "first_name": "long"})
    assert api.get(detail("a")).json()["first_name"] == "short"
    assert api.get(detail("a/b", safe="/")).json()["first_name"] == "long"


@pytest.mark.parametrize("external_id", [" pad ", "pad", "\tpad"])
def test_external_ids_are_kept_verbatim(
    api: APIClient, workspace: Workspace, external_id: str
) -> None:
    upsert(api, {"external_id": "pad", "first_name": "plain"})
    response = upsert(api, {"external_id": external_id, "first_name": "same"})
    assert response.status_code == (200 if external_id == "pad" else 201)
    assert response.json()["external_id"] == external_id
    assert stored(workspace)[external_id].first_name == "same"
    assert api.get(detail(external_id)).json()["first_name"] == "same"


def test_a_contact_named_bulk_can_be_read_and_erased(api: APIClient, workspace: Workspace) -> None:
    assert upsert(api, {"external_id": "bulk"}).status_code == 201
    assert api.get(detail("bulk")).status_code == 200
    assert api.delete(detail("bulk")).status_code == 204
    assert not stored(workspace)


def test_the_list_searches_by_the_start_of_an_id_address_or_name(api: APIClient) -> None:
    upsert(api, {"external_id": "demo-li", "first_name": "Li", "phone": "+8613800000001"})
    upsert(api, {"external_id": "demo-ana", "first_name": "Ana", "email": "ana@example.com"})
    upsert(api, {"external_id": "x-9", "last_name": "Demos"})

    def found(text: str) -> list[str]:
        response = api.get(CONTACTS, {"q": text})
        assert response.status_code == 200
        return sorted(item["external_id"] for item in response.json()["results"])

    assert found("demo-") == ["demo-ana", "demo-li"]
    assert found("ANA@") == ["demo-ana"]
    assert found("+86138") == ["demo-li"]
    assert found("dem") == ["demo-ana", "demo-li", "x-9"]  # x-9 by its last name
    assert found("li") == ["demo-li"]  # a prefix: "demo-li" does not match "li" by its id
    assert found("nobody") == []
    assert len(found("  ")) == 3  # blank text does not filter


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_unknown_contact_is_404(api: APIClient, method: str) -> None:
    upsert(api, {"external_id": "known"})
    response = getattr(api, method)(detail("unknown"), {}, format="json")
    assert response.status_code == 404


# --- validation -----------------------------------------------------------------------------


def test_unknown_field_is_refused(api: APIClient, workspace: Workspace) -> None:
    response = upsert(api, {"external_id": "u-1", "colour": "red"})
    assert response.status_code == 400
    assert response.json() == {"colour": ["Unknown field."]}
    assert not stored(workspace)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"phone": "13800000000"}, "phone"),
        ({"phone": "+0123456789"}, "phone"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"push_tokens": [{"provider": "carrier_pigeon", "token": "t"}]}, "push_tokens"),
        ({"push_tokens": [{"provider": "fcm", "token": "t", "extra": 1}]}, "push_tokens"),
        ({"attributes": {"email": "x@example.com"}}, "attributes"),
        ({"attributes": {"created_at": "2020-01-01"}}, "attributes"),
        ({"attributes": ["not", "a", "map"]}, "attributes"),
        ({"tags": "vip"}, "tags"),
        ({"consents": {"SMS!": True}}, "consents"),
        ({"consents": {"sms": "maybe"}}, "consents"),
        ({"external_id": ""}, "external_id"),
        ({"external_id": "x" * 201}, "external_id"),
    ],
)
def test_invalid_values_are_located(
    api: APIClient, workspace: Workspace, changes: dict[str, Any], field: str
) -> None:
    response = upsert(api, {"external_id": "u-1", **changes})
    assert response.status_code == 400
    assert set(response.json()) == {field}
    assert not stored(workspace)


def test_push_token_errors_point_at_the_token_and_its_field(api: APIClient) -> None:
    response = upsert(
        api,
        {
            "external_id": "u-1",
            "push_tokens": [
                {"provider": "fcm", "token": "ok"},
                {"provider": "carrier_pigeon", "token": "t"},
            ],
        },
    )
    assert response.status_code == 400
    errors = response.json()["push_tokens"]
    assert set(errors) == {"1"}
    assert set(errors["1"]) == {"provider"}


def test_reserved_attribute_key_message_names_the_field(api: APIClient) -> None:
    response = upsert(api, {"external_id": "u-1", "attributes": {"email": "x", "phone": "y"}})
    [message] = response.json()["attributes"]
    assert "email" in message
    assert "phone" in message


def test_invalid_patch_changes_nothing(api: APIClient, workspace: Workspace) -> None:
    upsert(api, {"external_id": "u-1", "email": "ann@example.com"})
    response = api.patch(detail("u-1"), {"email": "nope", "first_name": "X"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"email"}
    contact = Contact.objects.get(workspace=workspace)
    assert (contact.email, contact.first_name) == ("ann@example.com", "")


def test_patch_cannot_change_the_external_id(api: APIClient, workspace: Workspace) -> None:
    upsert(api, {"external_id": "u-1"})
    response = api.patch(detail("u-1"), {"external_id": "u-2"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"external_id": ["Unknown field."]}
    assert list(stored(workspace)) == ["u-1"]


def test_patch_merges_like_upsert(api: APIClient) -> None:
    upsert(api, {"external_id": "u-1", "attributes": {"a": 1}, "tags": ["x"]})
    body = api.patch(
        detail("u-1"), {"attributes": {"b": 2}, "tags": ["y", "z"]}, format="json"
    ).json()
    assert body["attributes"] == {"a": 1, "b": 2}
    assert body["tags"] == ["y", "z"]


NON_OBJECTS = ['[{"external_id": "u-1"}]', '"u-1"', "42", "null", "true"]


@pytest.mark.parametrize("body", NON_OBJECTS)
def test_non_object_body_is_refused(api: APIClient, workspace: Workspace, body: str) -> None:
    response = api.post(CONTACTS, body, content_type="application/json")
    assert response.status_code == 400
    assert not stored(workspace)


@pytest.mark.parametrize("body", NON_OBJECTS)
def test_non_object_patch_is_refused(api: APIClient, body: str) -> None:
    upsert(api, {"external_id": "u-1", "first_name": "A"})
    assert api.patch(detail("u-1"), body, content_type="application/json").status_code == 400
    assert api.get(detail("u-1")).json()["first_name"] == "A"


def test_malformed_json_is_400(api: APIClient, workspace: Workspace) -> None:
    response = api.post(CONTACTS, '{"external_id": ', content_type="application/json")
    assert response.status_code == 400
    assert not stored(workspace)


# --- bulk -----------------------------------------------------------------------------------


def test_bulk_stores_good_items_and_reports_bad_ones_in_input_order(
    api: APIClient, workspace: Workspace
) -> None:
    upsert(api, {"external_id": "old", "attributes": {"a": 1}, "tags": ["t1"]})
    response = bulk(
        api,
        [
            {"external_id": "new-1", "email": "n1@example.com"},
            {"external_id": "bad-email", "email": "nope"},
            {"external_id": "old", "attributes": {"b": 2}, "tags": ["t2"]},
            42,
            {"email": "no-id@example.com"},
            {"external_id": "typo", "colour": "red"},
            {"external_id": "new-2", "attributes": {"email": "reserved"}},
            {"external_id": "new-3"},
        ],
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["external_id"], r["status"]) for r in results] == [
        ("new-1", "created"),
        ("bad-email", "error"),
        ("old", "updated"),
        (None, "error"),
        (None, "error"),
        ("typo", "error"),
        ("new-2", "error"),
        ("new-3", "created"),
    ]
    assert set(results[1]["errors"]) == {"email"}
    assert set(results[3]["errors"]) == {"non_field_errors"}
    assert set(results[4]["errors"]) == {"external_id"}
    assert results[5]["errors"] == {"colour": ["Unknown field."]}
    assert set(results[6]["errors"]) == {"attributes"}
    assert all("errors" not in r for r in results if r["status"] != "error")

    contacts = stored(workspace)
    assert set(contacts) == {"old", "new-1", "new-3"}
    assert contacts["new-1"].email == "n1@example.com"
    assert contacts["old"].attributes == {"a": 1, "b": 2}
    assert contacts["old"].tags == ["t2"]


def test_bulk_later_items_for_one_id_win(api: APIClient, workspace: Workspace) -> None:
    response = bulk(
        api,
        [
            {"external_id": "a", "first_name": "One", "attributes": {"x": 1}},
            {"external_id": "a", "first_name": "Two", "attributes": {"y": 2}},
        ],
    )
    assert response.status_code == 200
    contact = stored(workspace)["a"]
    assert contact.first_name == "Two"
    assert contact.attributes == {"x": 1, "y": 2}


def test_bulk_statuses_follow_input_order_for_a_repeated_id(api: APIClient) -> None:
    results = bulk(api, [{"external_id": "a"}, {"external_id": "a"}]).json()["results"]
    assert [r["status"] for r in results] == ["created", "updated"]


def test_bulk_writes_nothing_when_the_write_fails_half_way(
    api: APIClient, workspace: Workspace
) -> None:
    upsert(api, {"external_id": "old", "attributes": {"a": 1}})
    contact_changed.connect(_explode_on_bulk, dispatch_uid="tests.domain.explode", weak=False)
    try:
        with pytest.raises(RuntimeError):
            bulk(
                api,
                [
                    {"external_id": "new-1"},
                    {"external_id": "old", "attributes": {"b": 2}},
                    {"external_id": "new-2"},
                ],
            )
    finally:
        contact_changed.disconnect(dispatch_uid="tests.domain.explode")
    contacts = stored(workspace)
    assert set(contacts) == {"old"}
    assert contacts["old"].attributes == {"a": 1}


def _explode_on_bulk(sender: Any, contact: Contact, **kwargs: Any) -> None:
    # Raised for the last contact, after both bulk statements ran.
    if contact.external_id == "old":
        raise RuntimeError("receiver failed after the rows were written")


def test_bulk_over_the_item_limit_stores_nothing(api: APIClient, workspace: Workspace) -> None:
    items = [{"external_id": f"c{i}"} for i in range(4)]
    with override_settings(TOUCHFLOW={"MAX_BATCH_ITEMS": 3}):
        response = bulk(api, items)
        assert response.status_code == 400
        assert set(response.json()) == {"contacts"}
        assert not stored(workspace)
        assert bulk(api, items[:3]).status_code == 200
    assert set(stored(workspace)) == {"c0", "c1", "c2"}


def test_bulk_of_10001_items_is_refused_before_any_item_is_judged(
    api: APIClient, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The envelope's limit is checked first: an oversized call costs no per-item validation
    (judging 10,001 items only to refuse them was the slow path this guards against)."""
    judged: list[Any] = []
    original = ContactSerializer.run_validation

    def counting(self: ContactSerializer, data: Any = empty) -> Any:
        judged.append(data)
        return original(self, data)

    monkeypatch.setattr(ContactSerializer, "run_validation", counting)
    assert bulk(api, [{"external_id": "c0"}]).status_code == 200
    assert len(judged) == 1  # the spy sees the items a call judges
    judged.clear()
    items = [{"external_id": f"c{i}"} for i in range(10_001)]
    response = bulk(api, items)
    assert judged == []
    assert response.status_code == 400
    assert "10000" in response.json()["contacts"][0]
    assert list(stored(workspace)) == ["c0"]


@pytest.mark.parametrize(
    "body",
    [
        [{"external_id": "u-1"}],
        {"contacts": {"external_id": "u-1"}},
        {"contacts": []},
        {"contacts": [{"external_id": "u-1"}], "extra": True},
        {},
    ],
)
def test_bulk_envelope_must_be_an_object_with_a_list(
    api: APIClient, workspace: Workspace, body: Any
) -> None:
    assert api.post(BULK, body, format="json").status_code == 400
    assert not stored(workspace)


# --- scopes ---------------------------------------------------------------------------------


def test_ingest_key_can_upsert_but_not_read_or_change(
    api: APIClient, workspace: Workspace, make_client: ClientFactory
) -> None:
    ingest = make_client(workspace, scopes=("ingest",))
    assert upsert(ingest, {"external_id": "x"}).status_code == 201
    assert bulk(ingest, [{"external_id": "y"}]).json()["results"][0]["status"] == "created"
    assert ingest.get(detail("x")).status_code == 403
    assert ingest.get(CONTACTS).status_code == 403
    assert ingest.patch(detail("x"), {"first_name": "Z"}, format="json").status_code == 403
    assert ingest.delete(detail("x")).status_code == 403
    contacts = stored(workspace)
    assert set(contacts) == {"x", "y"}
    assert contacts["x"].first_name == ""


def test_read_key_can_read_but_not_write(
    api: APIClient, workspace: Workspace, make_client: ClientFactory
) -> None:
    upsert(api, {"external_id": "x", "first_name": "A"})
    reader = make_client(workspace, scopes=("read",))
    assert reader.get(detail("x")).json()["first_name"] == "A"
    assert [c["external_id"] for c in reader.get(CONTACTS).json()["results"]] == ["x"]
    assert upsert(reader, {"external_id": "y"}).status_code == 403
    assert bulk(reader, [{"external_id": "y"}]).status_code == 403
    assert reader.patch(detail("x"), {"first_name": "B"}, format="json").status_code == 403
    assert reader.delete(detail("x")).status_code == 403
    contacts = stored(workspace)
    assert set(contacts) == {"x"}
    assert contacts["x"].first_name == "A"


def test_write_key_can_upsert(workspace: Workspace, make_client: ClientFactory) -> None:
    writer = make_client(workspace, scopes=("write",))
    assert upsert(writer, {"external_id": "x"}).status_code == 201


def test_no_key_is_401(workspace: Workspace) -> None:
    assert APIClient().get(CONTACTS).status_code == 401
    assert APIClient().post(CONTACTS, {"external_id": "x"}, format="json").status_code == 401
    assert not stored(workspace)


# --- tenancy --------------------------------------------------------------------------------


def test_another_workspace_cannot_see_or_touch_a_contact(
    api: APIClient, other_api: APIClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    upsert(api, {"external_id": "shared-id", "first_name": "Mine"})
    assert other_api.get(detail("shared-id")).status_code == 404
    assert other_api.patch(detail("shared-id"), {"first_name": "X"}, format="json").status_code == (
        404
    )
    assert other_api.delete(detail("shared-id")).status_code == 404
    assert other_api.get(CONTACTS).json()["results"] == []

    # The same external id in the other workspace is that workspace's own contact.
    assert upsert(other_api, {"external_id": "shared-id", "first_name": "Theirs"}).status_code == (
        201
    )
    assert stored(workspace)["shared-id"].first_name == "Mine"
    assert stored(other_workspace)["shared-id"].first_name == "Theirs"
    assert [c["first_name"] for c in api.get(CONTACTS).json()["results"]] == ["Mine"]
