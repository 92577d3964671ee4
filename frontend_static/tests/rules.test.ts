// The rule builder's model: every rule shape of the contract round-trips, and whatever the builder
// cannot show is kept byte for byte as a raw sub-rule instead of being "fixed".
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import type { Json } from "../src/document";
import {
  ATTRIBUTE_OPERATORS,
  convertScalar,
  formatWindow,
  newRule,
  parseRule,
  parseWindow,
  replaceChild,
  ruleToJson,
  type Scalar,
  valueForOperator,
} from "../src/rules";

const EXAMPLES = join(import.meta.dirname, "..", "..", "examples", "demo");

/** The contract's own example (JOURNEY_FORMAT.md "Rules"). */
const CONTRACT_EXAMPLE: Json = {
  all: [
    { attr: "city_tier", op: "eq", value: 1 },
    { attr: "age", op: "between", value: [25, 30] },
    { tag: "vip" },
    {
      event: "product_viewed",
      where: { category: "cosmetics" },
      count: { op: "gte", value: 3 },
      within: "P7D",
    },
    { message: { node: "push1", status: "opened" } },
    { segment: "rfm_champions" },
    { not: { any: [{ attr: "opted_out", op: "eq", value: true }] } },
  ],
};

const REPRESENTABLE: Json[] = [
  CONTRACT_EXAMPLE,
  { any: [] },
  { not: { tag: "x" } },
  { not: { not: { segment: "s" } } },
  ...ATTRIBUTE_OPERATORS.filter((op) => !["exists", "between", "in", "not_in"].includes(op)).map(
    (op): Json => ({ attr: "name", op, value: "Ann" }),
  ),
  { attr: "age", op: "gt", value: 17.5 },
  { attr: "active", op: "ne", value: false },
  { attr: "email", op: "exists" },
  { attr: "created_at", op: "between", value: ["2026-01-01", "2026-02-01"] },
  { attr: "city", op: "in", value: ["Paris", 2, true] },
  { attr: "city", op: "not_in", value: [] },
  { event: "signed_up" },
  { event: "paid", where: {} },
  { event: "paid", where: { plan: "pro", seats: 3, trial: false } },
  { event: "paid", count: { op: "eq", value: 0 } },
  { event: "paid", within: "PT12H" },
  { event: "paid", within: "P1Y2M" },
  { message: { node: "push1", status: "clicked" } },
  { message: { node: "push1", status: "bounced", journey: 7 } },
  { attr: "", op: "eq", value: "" },
];

/** Shapes the builder cannot show exactly: they must come back unchanged, as raw. */
const UNREPRESENTABLE: Json[] = [
  null,
  "vip",
  [],
  {},
  { all: "nope" },
  { all: [], any: [] },
  { attr: "x", op: "eq" },
  { attr: "x", op: "eq", value: null },
  { attr: "x", op: "eq", value: { nested: 1 } },
  { attr: "x", op: "exists", value: 1 },
  { attr: "x", op: "between", value: [1, 2, 3] },
  { attr: "x", op: "in", value: "a" },
  { attr: "x", op: "like", value: "a" },
  { attr: 3, op: "eq", value: 1 },
  { attr: "x", op: "eq", value: 1, note: "extra" },
  { tag: "a", attr: "b" },
  { tag: ["vip"] },
  { event: "e", where: { p: null } },
  { event: "e", count: { op: "gte", value: 1.5 } },
  { event: "e", count: { op: "gte", value: -1 } },
  { event: "e", count: { op: "about", value: 1 } },
  { event: "e", count: { op: "gte", value: 1, extra: 0 } },
  { event: "e", within: 7 },
  { message: { node: "n", status: "read" } },
  { message: { node: "n", status: "sent", journey: "7" } },
  { message: { node: "n", status: "sent", extra: 1 } },
  { message: "push1" },
  { segment: 5 },
  { unknown: 1 },
];

function roundTrip(json: Json): Json {
  return ruleToJson(parseRule(json));
}

describe("rules model", () => {
  it.each(REPRESENTABLE.map((json) => [JSON.stringify(json), json]))(
    "round-trips %s without raw parts",
    (_, json) => {
      const model = parseRule(json);
      expect(JSON.stringify(model)).not.toContain('"kind":"raw"');
      expect(ruleToJson(model)).toEqual(json);
    },
  );

  it.each(UNREPRESENTABLE.map((json) => [JSON.stringify(json), json]))(
    "keeps %s as raw JSON",
    (_, json) => {
      const model = parseRule(json);
      expect(model).toEqual({ kind: "raw", json });
      expect(ruleToJson(model)).toBe(json);
    },
  );

  it("keeps an unknown sub-rule raw inside a group the builder shows", () => {
    const odd = { attr: "x", op: "eq", value: { nested: [1] } };
    const rule: Json = { any: [{ tag: "vip" }, { not: odd }] };
    const model = parseRule(rule);
    expect(model).toEqual({
      kind: "any",
      rules: [
        { kind: "tag", tag: "vip" },
        { kind: "not", rule: { kind: "raw", json: odd } },
      ],
    });
    expect(roundTrip(rule)).toEqual(rule);
  });

  it("round-trips every rule of the shipped examples", () => {
    const rules: Json[] = [];
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === "object") {
        for (const [key, item] of Object.entries(value)) {
          if (key === "rule") rules.push(item as Json);
          else collect(item);
        }
      }
    };
    for (const name of readdirSync(EXAMPLES).filter((file) => file.endsWith(".json"))) {
      const parsed: unknown = JSON.parse(readFileSync(join(EXAMPLES, name), "utf8"));
      collect(parsed);
      if (name === "segments.json") rules.push(...(Object.values(parsed as object) as Json[]));
    }
    expect(rules.length).toBeGreaterThan(3);
    for (const rule of rules) {
      expect(JSON.stringify(parseRule(rule))).not.toContain('"kind":"raw"');
      expect(roundTrip(rule)).toEqual(rule);
    }
  });

  it("edits a group's children without touching the others", () => {
    const model = parseRule({ all: [{ tag: "a" }, { tag: "b" }, { tag: "c" }] });
    if (model.kind !== "all") throw new Error("expected a group");
    expect(ruleToJson({ ...model, rules: replaceChild(model.rules, 1, null) })).toEqual({
      all: [{ tag: "a" }, { tag: "c" }],
    });
    const swapped = replaceChild(model.rules, 2, newRule("segment"));
    expect(ruleToJson({ ...model, rules: swapped })).toEqual({
      all: [{ tag: "a" }, { tag: "b" }, { segment: "" }],
    });
  });

  it("creates new rules that parse back to themselves", () => {
    for (const kind of ["all", "any", "not", "attr", "tag", "event", "message", "segment"] as const) {
      const json = ruleToJson(newRule(kind));
      expect(parseRule(json)).toEqual(newRule(kind));
    }
    expect(ruleToJson(newRule("not"))).toEqual({ not: { all: [] } });
  });
});

describe("attribute values follow the operator", () => {
  it("drops the value for exists and keeps what fits otherwise", () => {
    expect(valueForOperator("exists", 3)).toBeUndefined();
    expect(valueForOperator("between", 3)).toEqual([3, 3]);
    expect(valueForOperator("between", [1, 9, 4])).toEqual([1, 9]);
    expect(valueForOperator("in", 3)).toEqual([3]);
    expect(valueForOperator("not_in", undefined)).toEqual([""]);
    expect(valueForOperator("eq", ["a", "b"])).toBe("a");
    expect(valueForOperator("gt", undefined)).toBe("");
    expect(valueForOperator("starts_with", 42)).toBe("42");
  });

  it("every operator's value is one the model accepts", () => {
    for (const op of ATTRIBUTE_OPERATORS) {
      const previousValues: (Scalar | Scalar[] | undefined)[] = [undefined, 5, "x", [1, 2]];
      for (const previous of previousValues) {
        const value = valueForOperator(op, previous);
        const json: Json = value === undefined ? { attr: "a", op } : { attr: "a", op, value };
        expect(parseRule(json).kind).toBe("attr");
      }
    }
  });

  it("converts scalars between types", () => {
    expect(convertScalar(12, "text")).toBe("12");
    expect(convertScalar("12.5", "number")).toBe(12.5);
    expect(convertScalar("twelve", "number")).toBe(0);
    expect(convertScalar("", "number")).toBe(0);
    expect(convertScalar("true", "boolean")).toBe(true);
    expect(convertScalar(1, "boolean")).toBe(false);
  });
});

describe("event windows", () => {
  it("reads and writes simple durations", () => {
    expect(parseWindow("P7D")).toEqual({ amount: 7, unit: "days" });
    expect(parseWindow("P2W")).toEqual({ amount: 2, unit: "weeks" });
    expect(parseWindow("PT12H")).toEqual({ amount: 12, unit: "hours" });
    expect(parseWindow("PT30M")).toEqual({ amount: 30, unit: "minutes" });
    for (const text of ["P7D", "P2W", "PT12H", "PT30M"]) {
      expect(formatWindow(parseWindow(text)!)).toBe(text);
    }
  });

  it("leaves other durations to the text box", () => {
    for (const text of ["P1DT2H", "P1M", "P1Y", "7 days", "", "PT1.5H"]) {
      expect(parseWindow(text)).toBeNull();
    }
    expect(formatWindow({ amount: 2.7, unit: "days" })).toBe("P2D");
  });
});
