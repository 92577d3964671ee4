// Rules (JOURNEY_FORMAT.md "Rules"; the server's reading is core/rules/) as the rule builder edits
// them. `parseRule` turns JSON into a model the builder can show; whatever it cannot represent
// exactly becomes a `raw` model that keeps the JSON untouched, so opening and saving a rule never
// changes it. `ruleToJson` is the inverse: ruleToJson(parseRule(x)) deep-equals x for every x.
import type { Json, JsonObject } from "./document";
import { isObject } from "./document";

export const ATTRIBUTE_OPERATORS = [
  "eq",
  "ne",
  "gt",
  "gte",
  "lt",
  "lte",
  "in",
  "not_in",
  "contains",
  "starts_with",
  "between",
  "exists",
] as const;
export type AttributeOperator = (typeof ATTRIBUTE_OPERATORS)[number];

export const COUNT_OPERATORS = ["gte", "gt", "eq", "ne", "lte", "lt"] as const;
export type CountOperator = (typeof COUNT_OPERATORS)[number];

export const MESSAGE_STATUSES = [
  "sent",
  "delivered",
  "opened",
  "clicked",
  "bounced",
  "failed",
  "skipped",
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export type Scalar = string | number | boolean;
/** The default count of an event leaf when it has none: at least once. */
export const DEFAULT_COUNT: EventCount = { op: "gte", value: 1 };

export interface EventCount {
  op: CountOperator;
  value: number;
}

export type GroupKind = "all" | "any";

export type RuleModel =
  | { kind: GroupKind; rules: RuleModel[] }
  | { kind: "not"; rule: RuleModel }
  | { kind: "attr"; attr: string; op: AttributeOperator; value?: Scalar | Scalar[] }
  | { kind: "tag"; tag: string }
  | {
      kind: "event";
      event: string;
      /** Property equality filter as rows, in document order; undefined when absent. */
      where?: [string, Scalar][];
      count?: EventCount;
      within?: string;
    }
  | { kind: "message"; node: string; status: MessageStatus; journey?: number }
  | { kind: "segment"; segment: string }
  | { kind: "raw"; json: Json };

export type RuleKind = RuleModel["kind"];
export type EventRule = Extract<RuleModel, { kind: "event" }>;
export type AttributeRule = Extract<RuleModel, { kind: "attr" }>;
export type LeafKind = "attr" | "tag" | "event" | "message" | "segment";

const LEAF_KEYS: Record<LeafKind, readonly string[]> = {
  attr: ["attr", "op", "value"],
  tag: ["tag"],
  event: ["event", "where", "count", "within"],
  message: ["message"],
  segment: ["segment"],
};

function isScalar(value: unknown): value is Scalar {
  return (
    typeof value === "string" ||
    typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value))
  );
}

function isScalarList(value: unknown): value is Scalar[] {
  return Array.isArray(value) && value.every(isScalar);
}

function isOneOf<T extends string>(value: unknown, names: readonly T[]): value is T {
  return typeof value === "string" && (names as readonly string[]).includes(value);
}

function onlyKeys(value: JsonObject, allowed: readonly string[]): boolean {
  return Object.keys(value).every((key) => allowed.includes(key));
}

function isWholeNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value);
}

/** The model of `json`; `raw` for anything the builder cannot show exactly. */
export function parseRule(json: Json): RuleModel {
  const raw: RuleModel = { kind: "raw", json };
  if (!isObject(json)) return raw;
  const keys = Object.keys(json);
  if (keys.length === 1 && (keys[0] === "all" || keys[0] === "any")) {
    const body = json[keys[0]];
    return Array.isArray(body) ? { kind: keys[0], rules: body.map(parseRule) } : raw;
  }
  if (keys.length === 1 && keys[0] === "not") return { kind: "not", rule: parseRule(json.not) };
  const kind = (Object.keys(LEAF_KEYS) as LeafKind[]).find((key) => key in json);
  if (!kind || !onlyKeys(json, LEAF_KEYS[kind])) return raw;
  return LEAF_PARSERS[kind](json) ?? raw;
}

const LEAF_PARSERS: Record<LeafKind, (json: JsonObject) => RuleModel | null> = {
  attr(json) {
    const { attr, op } = json;
    if (typeof attr !== "string" || !isOneOf(op, ATTRIBUTE_OPERATORS)) return null;
    const hasValue = "value" in json;
    const value = json.value;
    if (op === "exists") return hasValue ? null : { kind: "attr", attr, op };
    if (!hasValue) return null;
    if (op === "between") {
      return isScalarList(value) && value.length === 2 ? { kind: "attr", attr, op, value } : null;
    }
    if (op === "in" || op === "not_in") {
      return isScalarList(value) ? { kind: "attr", attr, op, value } : null;
    }
    return isScalar(value) ? { kind: "attr", attr, op, value } : null;
  },
  tag(json) {
    return typeof json.tag === "string" ? { kind: "tag", tag: json.tag } : null;
  },
  event(json) {
    const { event, where, count, within } = json;
    if (typeof event !== "string") return null;
    const model: EventRule = { kind: "event", event };
    if ("where" in json) {
      if (!isObject(where) || !Object.values(where).every(isScalar)) return null;
      model.where = Object.entries(where) as [string, Scalar][];
    }
    if ("count" in json) {
      if (
        !isObject(count) ||
        !onlyKeys(count, ["op", "value"]) ||
        !isOneOf(count.op, COUNT_OPERATORS) ||
        !isWholeNumber(count.value) ||
        count.value < 0
      ) {
        return null;
      }
      model.count = { op: count.op, value: count.value };
    }
    if ("within" in json) {
      if (typeof within !== "string") return null;
      model.within = within;
    }
    return model;
  },
  message(json) {
    const body = json.message;
    if (!isObject(body) || !onlyKeys(body, ["node", "status", "journey"])) return null;
    const { node, status, journey } = body;
    if (typeof node !== "string" || !isOneOf(status, MESSAGE_STATUSES)) return null;
    if ("journey" in body && !isWholeNumber(journey)) return null;
    return "journey" in body
      ? { kind: "message", node, status, journey: journey as number }
      : { kind: "message", node, status };
  },
  segment(json) {
    return typeof json.segment === "string" ? { kind: "segment", segment: json.segment } : null;
  },
};

/** The JSON of a model: the inverse of `parseRule`. */
export function ruleToJson(model: RuleModel): Json {
  switch (model.kind) {
    case "all":
    case "any":
      return { [model.kind]: model.rules.map(ruleToJson) };
    case "not":
      return { not: ruleToJson(model.rule) };
    case "attr": {
      const json: JsonObject = { attr: model.attr, op: model.op };
      if (model.value !== undefined) json.value = model.value;
      return json;
    }
    case "tag":
      return { tag: model.tag };
    case "event": {
      const json: JsonObject = { event: model.event };
      if (model.where !== undefined) json.where = Object.fromEntries(model.where);
      if (model.count !== undefined) json.count = { op: model.count.op, value: model.count.value };
      if (model.within !== undefined) json.within = model.within;
      return json;
    }
    case "message": {
      const body: JsonObject = { node: model.node, status: model.status };
      if (model.journey !== undefined) body.journey = model.journey;
      return { message: body };
    }
    case "segment":
      return { segment: model.segment };
    case "raw":
      return model.json;
  }
}

/** A fresh rule of `kind`, as the builder adds it (names still to be filled in). */
export function newRule(kind: Exclude<RuleKind, "raw">): RuleModel {
  switch (kind) {
    case "all":
    case "any":
      return { kind, rules: [] };
    case "not":
      return { kind: "not", rule: { kind: "all", rules: [] } };
    case "attr":
      return { kind: "attr", attr: "", op: "eq", value: "" };
    case "tag":
      return { kind: "tag", tag: "" };
    case "event":
      return { kind: "event", event: "" };
    case "message":
      return { kind: "message", node: "", status: "opened" };
    case "segment":
      return { kind: "segment", segment: "" };
  }
}

/** The value an attribute condition takes after switching to `op`, keeping what fits:
 * `exists` takes none, `between` two bounds, `in`/`not_in` a list, the others one value. */
export function valueForOperator(
  op: AttributeOperator,
  previous: Scalar | Scalar[] | undefined,
): Scalar | Scalar[] | undefined {
  const items = previous === undefined ? [] : Array.isArray(previous) ? previous : [previous];
  const first: Scalar = items[0] ?? "";
  switch (op) {
    case "exists":
      return undefined;
    case "between":
      return [first, items[1] ?? first];
    case "in":
    case "not_in":
      return items.length ? [...items] : [""];
    case "starts_with":
      return typeof first === "string" ? first : String(first);
    default:
      return first;
  }
}

/** Turning a scalar into another type the user picked: a number that does not parse is 0. */
export type ScalarType = "text" | "number" | "boolean";

export function scalarType(value: Scalar): ScalarType {
  return typeof value === "number" ? "number" : typeof value === "boolean" ? "boolean" : "text";
}

export function convertScalar(value: Scalar, type: ScalarType): Scalar {
  if (type === "text") return String(value);
  if (type === "boolean") return value === true || value === "true";
  if (typeof value === "number") return value;
  const parsed = Number(value);
  return typeof value === "string" && value.trim() && Number.isFinite(parsed) ? parsed : 0;
}

// Windows: ISO 8601 durations. The simple ones (a number of minutes, hours, days or weeks) get an
// amount and a unit; any other duration is edited as text.
export const WINDOW_UNITS = ["minutes", "hours", "days", "weeks"] as const;
export type WindowUnit = (typeof WINDOW_UNITS)[number];

export interface SimpleWindow {
  amount: number;
  unit: WindowUnit;
}

const WINDOW_PATTERN = /^P(?:(\d+)([DW])|T(\d+)([HM]))$/;

export function parseWindow(text: string): SimpleWindow | null {
  const match = WINDOW_PATTERN.exec(text);
  if (!match) return null;
  if (match[1] !== undefined) {
    return { amount: Number(match[1]), unit: match[2] === "D" ? "days" : "weeks" };
  }
  return { amount: Number(match[3]), unit: match[4] === "H" ? "hours" : "minutes" };
}

export function formatWindow({ amount, unit }: SimpleWindow): string {
  const whole = Math.max(0, Math.trunc(amount));
  switch (unit) {
    case "minutes":
      return `PT${whole}M`;
    case "hours":
      return `PT${whole}H`;
    case "days":
      return `P${whole}D`;
    case "weeks":
      return `P${whole}W`;
  }
}

/** Replace the child at `index` of a group (`null` removes it). */
export function replaceChild(rules: RuleModel[], index: number, next: RuleModel | null): RuleModel[] {
  return next === null
    ? rules.filter((_, position) => position !== index)
    : rules.map((rule, position) => (position === index ? next : rule));
}
