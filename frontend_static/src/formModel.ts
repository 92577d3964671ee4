// The pure half of SchemaForm: which widget a JSON Schema (draft 2020-12, as the catalog serves
// node configs and channel params) asks for, how variants are told apart, and how edits become a
// new config. Nothing here renders, so every rule is tested under vitest.
//
// Rules of the form: a field the form cannot show is edited as JSON, never dropped; an emptied
// optional field is removed from the config, never saved as "".
import type { ChannelInfo } from "./catalog";
import { type Json, type JsonObject, isObject } from "./document";

export type Schema = JsonObject;

/** The annotation journeys/catalog.py leaves where a common.json block was inlined. */
export const BLOCK_KEYWORD = "x-touchflow-block";

export type FieldKind =
  | "duration"
  | "time"
  | "rule"
  | "template"
  | "enum"
  | "boolean"
  | "integer"
  | "number"
  | "string"
  | "object"
  | "object_list"
  | "string_list"
  | "map"
  | "json";

/** Config fields whose string leaves are templates (mirrors journeys/validation/templates.py). */
const TEMPLATE_PATHS: Record<string, RegExp> = {
  send: /^\/params\//,
  webhook: /^\/(url$|headers\/|body($|\/))/,
  update_contact: /^\/set\/[^/]+$/,
};

/** Fields of which exactly one must be given, where the schema cannot say so (journeys/validation/nodes.py). */
const EXCLUSIVE_BY_TYPE: Record<string, string[]> = {
  wait: ["duration", "until", "until_time"],
};

/** Config fields naming another node of the journey, and the node type they must name. */
const NODE_REFERENCES: Record<string, Record<string, string>> = {
  wait_event: { "/where/node": "send" },
};

export function blockOf(schema: Schema): string | undefined {
  const own = schema[BLOCK_KEYWORD];
  if (typeof own === "string") return own;
  const [first] = Array.isArray(schema.allOf) ? schema.allOf : [];
  return isObject(first) ? blockOf(first as Schema) : undefined;
}

export function typesOf(schema: Schema): string[] {
  const type = schema.type;
  if (typeof type === "string") return [type];
  return Array.isArray(type) ? type.filter((item): item is string => typeof item === "string") : [];
}

export function propertiesOf(schema: Schema): Record<string, Schema> {
  const properties = schema.properties;
  if (!isObject(properties)) return {};
  return Object.fromEntries(
    Object.entries(properties).filter(([, value]) => isObject(value)),
  ) as Record<string, Schema>;
}

export function isRequired(schema: Schema, key: string): boolean {
  return Array.isArray(schema.required) && schema.required.includes(key);
}

export function isTemplatePath(nodeType: string, pointer: string): boolean {
  return TEMPLATE_PATHS[nodeType]?.test(pointer) ?? false;
}

/** The node type a config field must name (wait_event's where.node names a send node), if any. */
export function nodeReference(nodeType: string, pointer: string): string | undefined {
  return NODE_REFERENCES[nodeType]?.[pointer];
}

/** Which widget a field gets. `template` says the path holds templates (see isTemplatePath). */
export function fieldKind(schema: Schema, template = false): FieldKind {
  const block = blockOf(schema);
  if (block === "duration") return "duration";
  if (block === "time_of_day") return "time";
  if (block === "rule") return "rule";
  if (Array.isArray(schema.enum) && schema.enum.every((item) => typeof item === "string")) return "enum";
  const types = typesOf(schema);
  if (types.length !== 1) return "json";
  switch (types[0]) {
    case "boolean":
    case "integer":
    case "number":
      return types[0];
    case "string":
      return template ? "template" : "string";
    case "object":
      return objectKind(schema);
    case "array":
      return arrayKind(schema);
    default:
      return "json";
  }
}

/** A fieldset of known fields, or key/value rows when the keys are the user's own. */
function objectKind(schema: Schema): FieldKind {
  const fixed = schema.additionalProperties === false || variantsOf(schema) !== null;
  if (fixed) return "object";
  const properties = Object.keys(propertiesOf(schema));
  return properties.length && schema.additionalProperties === undefined ? "object" : "map";
}

function arrayKind(schema: Schema): FieldKind {
  const items = isObject(schema.items) ? (schema.items as Schema) : null;
  if (!items) return "json";
  const kind = fieldKind(items);
  if (kind === "object") return "object_list";
  if (kind === "string") return "string_list";
  return "json";
}

// ---------------------------------------------------------------------------------------------
// Variants: "one of these shapes", chosen first, then filled in.

export interface Variant {
  key: string;
  title: string;
  schema: Schema;
}

export interface VariantSet {
  /** The property whose const value names the variant (entry trigger `kind`), if any. */
  discriminator: string | null;
  variants: Variant[];
}

/**
 * The variants of an object schema: `allOf` of `if {kind: const} then {…}` (how the catalog
 * writes the entry trigger kinds), or `oneOf`/`anyOf` of object shapes. `anyOf`/`oneOf` of bare
 * `required` lists ("give body or template_code") are constraints, not shapes: not variants.
 */
export function variantsOf(schema: Schema): VariantSet | null {
  const conditional = conditionalVariants(schema);
  if (conditional) return conditional;
  const branches = (Array.isArray(schema.oneOf) ? schema.oneOf : Array.isArray(schema.anyOf) ? schema.anyOf : [])
    .filter(isObject) as Schema[];
  if (!branches.length || !branches.every((branch) => Object.keys(propertiesOf(branch)).length > 0)) return null;
  const discriminator = commonConst(branches);
  return {
    discriminator,
    variants: branches.map((branch, index) => ({
      key: discriminator ? String(propertiesOf(branch)[discriminator].const) : String(index),
      title: typeof branch.title === "string" ? branch.title : `#${index + 1}`,
      schema: branch,
    })),
  };
}

function conditionalVariants(schema: Schema): VariantSet | null {
  const parts = (Array.isArray(schema.allOf) ? schema.allOf : []).filter(isObject) as Schema[];
  const variants: Variant[] = [];
  let discriminator: string | null = null;
  for (const part of parts) {
    const when = isObject(part.if) ? propertiesOf(part.if as Schema) : {};
    const entries = Object.entries(when).filter(([, value]) => "const" in value);
    if (entries.length !== 1 || !isObject(part.then)) return null;
    const [name, value] = entries[0];
    if (discriminator !== null && discriminator !== name) return null;
    discriminator = name;
    const then = part.then as Schema;
    variants.push({
      key: String(value.const),
      title: typeof then.title === "string" ? then.title : String(value.const),
      schema: then,
    });
  }
  return variants.length ? { discriminator, variants } : null;
}

function commonConst(branches: Schema[]): string | null {
  const candidates = Object.keys(propertiesOf(branches[0]));
  return (
    candidates.find((name) => branches.every((branch) => propertiesOf(branch)[name] && "const" in propertiesOf(branch)[name])) ??
    null
  );
}

/** The variant a value is, or null when none fits (the form then offers the choice). */
export function currentVariant(set: VariantSet, value: JsonObject): Variant | null {
  if (set.discriminator) {
    const named = value[set.discriminator];
    return set.variants.find((variant) => variant.key === String(named)) ?? null;
  }
  return (
    set.variants.find((variant) => {
      const required = Array.isArray(variant.schema.required) ? variant.schema.required : [];
      return required.every((key) => typeof key === "string" && key in value);
    }) ?? null
  );
}

/** The value after choosing another variant: its discriminator, plus the fields it shares. */
export function switchVariant(set: VariantSet, value: JsonObject, key: string): JsonObject {
  const variant = set.variants.find((candidate) => candidate.key === key);
  if (!variant) return value;
  const allowed = propertiesOf(variant.schema);
  const next: JsonObject = {};
  if (set.discriminator) next[set.discriminator] = key;
  for (const [name, field] of Object.entries(value)) {
    if (name !== set.discriminator && name in allowed) next[name] = field;
  }
  return next;
}

/** Fields of which exactly one is given: from `oneOf` of single `required`s, or the type's rule. */
export function exclusiveFields(schema: Schema, nodeType: string | null): string[] | null {
  const branches = Array.isArray(schema.oneOf) ? schema.oneOf : [];
  const single = branches.map((branch) =>
    isObject(branch) && Array.isArray(branch.required) && branch.required.length === 1 && Object.keys(branch).length === 1
      ? branch.required[0]
      : null,
  );
  if (single.length && single.every((name): name is string => typeof name === "string")) return single;
  return nodeType ? (EXCLUSIVE_BY_TYPE[nodeType] ?? null) : null;
}

/** Keeps only the chosen one of exclusive fields. */
export function chooseExclusive(value: JsonObject, fields: string[], chosen: string): JsonObject {
  return Object.fromEntries(Object.entries(value).filter(([key]) => key === chosen || !fields.includes(key)));
}

// ---------------------------------------------------------------------------------------------
// Edits.

/** Whether the form stores nothing for this value (an emptied field is removed, not ""). */
export function isEmpty(value: Json | undefined): boolean {
  if (value === undefined || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && Object.keys(value).length === 0;
}

/** The object with `key` set to `value`, or without `key` when the value is undefined. */
export function withField(object: JsonObject | undefined, key: string, value: Json | undefined): JsonObject {
  const next: JsonObject = { ...(object ?? {}) };
  if (value === undefined) delete next[key];
  else next[key] = value;
  return next;
}

export function childPointer(pointer: string, key: string | number): string {
  return `${pointer}/${String(key).replace(/~/g, "~0").replace(/\//g, "~1")}`;
}

export function moveItem<T>(list: readonly T[], from: number, to: number): T[] {
  if (from === to || from < 0 || to < 0 || from >= list.length || to >= list.length) return [...list];
  const next = [...list];
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item);
  return next;
}

/** A new row of an object list: a unique key when items have one, required numbers at a sane start. */
export function newItem(itemSchema: Schema, existing: readonly Json[], prefix: string): JsonObject {
  const item: JsonObject = {};
  const properties = propertiesOf(itemSchema);
  if ("key" in properties) {
    const used = new Set(existing.map((entry) => (isObject(entry) ? entry.key : undefined)));
    let index = existing.length + 1;
    while (used.has(`${prefix}${index}`)) index += 1;
    item.key = `${prefix}${index}`;
  }
  for (const [name, field] of Object.entries(properties)) {
    if (name in item || !isRequired(itemSchema, name)) continue;
    const kind = fieldKind(field);
    if (kind === "number" || kind === "integer") item[name] = typeof field.default === "number" ? field.default : 1;
    else if (kind === "rule") item[name] = {};
  }
  return item;
}

// ---------------------------------------------------------------------------------------------
// Key/value rows (property filters, headers, attributes, template data).

export interface Row {
  key: string;
  value: Json;
}

export function rowsOf(value: Json | undefined): Row[] {
  return isObject(value) ? Object.entries(value as JsonObject).map(([key, item]) => ({ key, value: item })) : [];
}

/** The object the rows say; rows without a key, and later rows repeating a key, are left out. */
export function objectOfRows(rows: readonly Row[]): JsonObject {
  const object: JsonObject = {};
  for (const row of rows) {
    if (row.key && !(row.key in object)) object[row.key] = row.value;
  }
  return object;
}

/** Keys given more than once (the form marks those rows instead of silently merging them). */
export function duplicateKeys(rows: readonly Row[]): Set<string> {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const row of rows) {
    if (row.key && seen.has(row.key)) duplicates.add(row.key);
    seen.add(row.key);
  }
  return duplicates;
}

export type ScalarKind = "text" | "number" | "boolean" | "null" | "json";

export function scalarKindOf(value: Json): ScalarKind {
  if (typeof value === "string") return "text";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "boolean";
  if (value === null) return "null";
  return "json";
}

/** The value kinds a map's values may take, from its `additionalProperties` schema. */
export function allowedScalarKinds(mapSchema: Schema): ScalarKind[] {
  const values = mapSchema.additionalProperties;
  if (!isObject(values)) return ["text", "number", "boolean", "null", "json"];
  const types = typesOf(values as Schema);
  const kinds: ScalarKind[] = [];
  if (types.includes("string")) kinds.push("text");
  if (types.includes("number") || types.includes("integer")) kinds.push("number");
  if (types.includes("boolean")) kinds.push("boolean");
  if (types.includes("null")) kinds.push("null");
  return kinds.length ? kinds : ["json"];
}

/** A value converted to another kind, keeping what can be kept ("5" → 5, 5 → "5"). */
export function convertScalar(value: Json, kind: ScalarKind): Json {
  switch (kind) {
    case "text":
      return value === null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
    case "number": {
      const number = typeof value === "number" ? value : Number(value);
      return Number.isFinite(number) ? number : 0;
    }
    case "boolean":
      return value === true || value === "true";
    case "null":
      return null;
    case "json":
      return value;
  }
}

// ---------------------------------------------------------------------------------------------
// Send nodes: the channel's own params schema and the catalog's channel names.

/** A send node's config schema made concrete: channel picks from the catalog, params from the channel. */
export function sendSchema(schema: Schema, channels: readonly ChannelInfo[], channel: Json | undefined): Schema {
  const properties = { ...propertiesOf(schema) };
  const names = channels.map((info) => info.name);
  if (typeof channel === "string" && channel && !names.includes(channel)) names.push(channel);
  if (properties.channel && names.length) properties.channel = { ...properties.channel, enum: names };
  const chosen = channels.find((info) => info.name === channel);
  if (properties.params && chosen && isObject(chosen.params_schema)) {
    const { $schema: _dialect, ...params } = chosen.params_schema;
    void _dialect;
    properties.params = { ...params, title: properties.params.title ?? "Params", description: properties.params.description ?? "" };
  }
  return { ...schema, properties };
}

/** Validator messages of one node by pointer relative to the node (/nodes/3/config/x → /config/x). */
export function messagesByPointer(errors: readonly { path: string; message: string }[]): Map<string, string[]> {
  const byPointer = new Map<string, string[]>();
  for (const error of errors) {
    const pointer = error.path.replace(/^\/nodes\/\d+/, "");
    byPointer.set(pointer, [...(byPointer.get(pointer) ?? []), error.message]);
  }
  return byPointer;
}
