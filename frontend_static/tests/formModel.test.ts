// What the generated form makes of the schemas the server really serves (fixtures/schemas.json,
// kept equal to the API by tests/canvas/test_form_fixture.py) and how its edits change a config.
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import type { ChannelInfo } from "../src/catalog";
import type { JsonObject } from "../src/document";
import {
  type Schema,
  allowedScalarKinds,
  chooseExclusive,
  convertScalar,
  currentVariant,
  duplicateKeys,
  exclusiveFields,
  fieldKind,
  isEmpty,
  isTemplatePath,
  messagesByPointer,
  moveItem,
  newItem,
  nodeReference,
  objectOfRows,
  propertiesOf,
  rowsOf,
  sendSchema,
  switchVariant,
  variantsOf,
  withField,
} from "../src/formModel";

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "schemas.json"), "utf8")) as {
  node_types: Record<string, Schema>;
  params_schemas: Record<string, Schema>;
};
const config = (type: string) => fixture.node_types[type];
const field = (type: string, name: string) => propertiesOf(config(type))[name];
const channels: ChannelInfo[] = Object.entries(fixture.params_schemas).map(([name, params_schema]) => ({
  name,
  title: name,
  params_schema,
}));

describe("field kinds from the served schemas", () => {
  it.each([
    ["wait", "duration", "duration"],
    ["wait", "until", "string"],
    ["wait", "until_time", "time"],
    ["wait_event", "timeout", "duration"],
    ["wait_event", "where", "map"],
    ["wait_event", "event", "string"],
    ["condition", "rule", "rule"],
    ["switch", "cases", "object_list"],
    ["split", "variants", "object_list"],
    ["split", "holdout", "number"],
    ["send", "category", "enum"],
    ["send", "send_window", "object"],
    ["send", "params", "map"],
    ["update_contact", "set", "map"],
    ["update_contact", "add_tags", "string_list"],
    ["webhook", "method", "enum"],
    ["webhook", "headers", "map"],
    ["webhook", "body", "json"],
    ["entry", "trigger", "object"],
  ])("%s.%s is a %s field", (type, name, kind) => {
    expect(fieldKind(field(type, name))).toBe(kind);
  });

  it("finds rules inside switch cases and times inside the send window", () => {
    const caseSchema = field("switch", "cases").items as Schema;
    expect(fieldKind(propertiesOf(caseSchema).rule)).toBe("rule");
    expect(fieldKind(propertiesOf(field("send", "send_window")).start)).toBe("time");
  });

  it("asks for a template widget only where the server renders templates", () => {
    expect(fieldKind(field("webhook", "url"), isTemplatePath("webhook", "/url"))).toBe("template");
    expect(isTemplatePath("send", "/params/body")).toBe(true);
    expect(isTemplatePath("send", "/params/data/name")).toBe(true);
    expect(isTemplatePath("send", "/account")).toBe(false);
    expect(isTemplatePath("webhook", "/headers/X-Id")).toBe(true);
    expect(isTemplatePath("webhook", "/body/items/0")).toBe(true);
    expect(isTemplatePath("webhook", "/method")).toBe(false);
    expect(isTemplatePath("update_contact", "/set/plan")).toBe(true);
    expect(isTemplatePath("update_contact", "/add_tags/0")).toBe(false);
    expect(isTemplatePath("wait", "/duration")).toBe(false);
  });

  it("falls back to JSON for shapes it has no widget for", () => {
    expect(fieldKind({})).toBe("json");
    expect(fieldKind({ type: ["string", "number"] })).toBe("json");
    expect(fieldKind({ type: "array", items: { type: "integer" } })).toBe("json");
    expect(fieldKind({ type: "array" })).toBe("json");
  });

  it("knows wait_event's where.node names a send node", () => {
    expect(nodeReference("wait_event", "/where/node")).toBe("send");
    expect(nodeReference("wait_event", "/where/campaign")).toBeUndefined();
  });
});

describe("variants", () => {
  const trigger = field("entry", "trigger");
  const set = variantsOf(trigger)!;

  it("reads the entry trigger kinds from allOf if/then", () => {
    expect(set.discriminator).toBe("kind");
    expect(set.variants.map((variant) => variant.key)).toEqual(["event", "segment", "schedule", "api"]);
    expect(Object.keys(propertiesOf(set.variants[0].schema))).toEqual(["kind", "event", "where"]);
  });

  it("tells which variant a value is", () => {
    expect(currentVariant(set, { kind: "schedule", cron: "0 9 * * *" })?.key).toBe("schedule");
    expect(currentVariant(set, {})).toBeNull();
    expect(currentVariant(set, { kind: "telepathy" })).toBeNull();
  });

  it("keeps the fields the new variant shares when switching", () => {
    expect(switchVariant(set, { kind: "segment", segment: "vip" }, "schedule")).toEqual({ kind: "schedule", segment: "vip" });
    expect(switchVariant(set, { kind: "event", event: "x", where: { a: 1 } }, "api")).toEqual({ kind: "api" });
    expect(switchVariant(set, { kind: "api" }, "nonsense")).toEqual({ kind: "api" });
  });

  it("reads oneOf object shapes, by a shared const or by required fields", () => {
    const byConst = variantsOf({
      oneOf: [
        { title: "A", properties: { t: { const: "a" }, x: { type: "string" } } },
        { title: "B", properties: { t: { const: "b" }, y: { type: "string" } } },
      ],
    })!;
    expect(byConst.discriminator).toBe("t");
    expect(currentVariant(byConst, { t: "b" })?.title).toBe("B");
    const byRequired = variantsOf({
      anyOf: [
        { required: ["x"], properties: { x: { type: "string" } } },
        { required: ["y"], properties: { y: { type: "string" } } },
      ],
    })!;
    expect(byRequired.discriminator).toBeNull();
    expect(currentVariant(byRequired, { y: "1" })?.key).toBe("1");
    expect(switchVariant(byRequired, { y: "1" }, "0")).toEqual({});
  });

  it("does not take a bare 'at least one of' constraint for variants", () => {
    expect(variantsOf(fixture.params_schemas.sms)).toBeNull();
    expect(fieldKind(fixture.params_schemas.sms)).toBe("object");
  });

  it("knows the wait's exactly-one fields and keeps only the chosen one", () => {
    expect(exclusiveFields(config("wait"), "wait")).toEqual(["duration", "until", "until_time"]);
    expect(exclusiveFields(config("wait"), null)).toBeNull();
    expect(exclusiveFields({ oneOf: [{ required: ["a"] }, { required: ["b"] }] }, null)).toEqual(["a", "b"]);
    const value = { duration: "P1D", until_time: "08:00", other: 1 };
    expect(chooseExclusive(value, ["duration", "until", "until_time"], "until_time")).toEqual({ until_time: "08:00", other: 1 });
  });
});

describe("edits", () => {
  it("removes emptied fields instead of saving blanks", () => {
    expect(withField({ a: "x", b: "y" }, "a", undefined)).toEqual({ b: "y" });
    expect(withField(undefined, "a", 0)).toEqual({ a: 0 });
    expect(withField({ a: false }, "a", false)).toEqual({ a: false });
    expect(["", {}, [], undefined].map(isEmpty)).toEqual([true, true, true, true]);
    expect([0, false, null, "x", [1], { a: 1 }].map(isEmpty)).toEqual([false, false, false, false, false, false]);
  });

  it("moves rows and refuses moves off the ends", () => {
    expect(moveItem(["a", "b", "c"], 2, 0)).toEqual(["c", "a", "b"]);
    expect(moveItem(["a", "b"], 1, 2)).toEqual(["a", "b"]);
    expect(moveItem(["a", "b"], -1, 0)).toEqual(["a", "b"]);
  });

  it("starts a new switch case or split variant with a unique key and what it requires", () => {
    const caseSchema = field("switch", "cases").items as Schema;
    expect(newItem(caseSchema, [{ key: "case2" }, { key: "x" }], "case")).toEqual({ key: "case3", rule: {} });
    const variantSchema = field("split", "variants").items as Schema;
    expect(newItem(variantSchema, [{ key: "variant1" }], "variant")).toEqual({ key: "variant2", weight: 1 });
  });
});

describe("key/value rows", () => {
  it("round-trips an object, in order", () => {
    const value: JsonObject = { node: "push1", campaign: "spring", count: 2, ok: true, none: null };
    expect(objectOfRows(rowsOf(value))).toEqual(value);
    expect(Object.keys(objectOfRows(rowsOf(value)))).toEqual(Object.keys(value));
  });

  it("leaves out keyless rows and later duplicates, and reports the duplicates", () => {
    const rows = [
      { key: "a", value: 1 },
      { key: "", value: 2 },
      { key: "a", value: 3 },
    ];
    expect(objectOfRows(rows)).toEqual({ a: 1 });
    expect(duplicateKeys(rows)).toEqual(new Set(["a"]));
  });

  it("offers the value kinds the schema allows", () => {
    expect(allowedScalarKinds(field("wait_event", "where"))).toEqual(["text", "number", "boolean", "null"]);
    expect(allowedScalarKinds(field("webhook", "headers"))).toEqual(["text"]);
    expect(allowedScalarKinds(field("update_contact", "set"))).toEqual(["text", "number", "boolean", "null", "json"]);
  });

  it("converts values between kinds keeping what it can", () => {
    expect(convertScalar("5", "number")).toBe(5);
    expect(convertScalar("five", "number")).toBe(0);
    expect(convertScalar(5, "text")).toBe("5");
    expect(convertScalar(null, "text")).toBe("");
    expect(convertScalar("true", "boolean")).toBe(true);
    expect(convertScalar("x", "null")).toBeNull();
  });
});

describe("send nodes", () => {
  it("offers the catalog's channels and the chosen channel's params", () => {
    const schema = sendSchema(config("send"), channels, "push");
    const properties = propertiesOf(schema);
    expect(properties.channel.enum).toEqual(["email", "push", "sms", "wechat"]);
    expect(Object.keys(propertiesOf(properties.params))).toEqual(["title", "body", "data", "image", "click_action"]);
    expect(fieldKind(properties.params)).toBe("object");
  });

  it("keeps an unknown channel selectable and its params editable as rows", () => {
    const schema = sendSchema(config("send"), channels, "fax");
    expect(propertiesOf(schema).channel.enum).toContain("fax");
    expect(fieldKind(propertiesOf(schema).params)).toBe("map");
  });
});

describe("validator messages", () => {
  it("are grouped by the field they are about, relative to the node", () => {
    const grouped = messagesByPointer([
      { path: "/nodes/3/config/timeout", message: "bad" },
      { path: "/nodes/3/config/timeout", message: "worse" },
      { path: "/nodes/3", message: "node" },
    ]);
    expect(grouped.get("/config/timeout")).toEqual(["bad", "worse"]);
    expect(grouped.get("")).toEqual(["node"]);
  });
});
