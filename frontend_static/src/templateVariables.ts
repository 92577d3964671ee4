// What a template can say (JOURNEY_FORMAT.md "Templates"): the contact's fields, its attributes,
// and for journeys an event starts, that event's properties. Pure, so the "Insert variable" menu
// and the insertion at the cursor are tested without a browser.
import type { JourneyDocument } from "./document";
import { isObject } from "./document";
import type { WorkspaceNames } from "./workspaceNames";

/** The contact fields templates see by name (journeys/engine/batch.py `template_data`). */
export const CONTACT_FIELDS = [
  "first_name",
  "last_name",
  "email",
  "phone",
  "external_id",
  "locale",
  "timezone",
] as const;

export type VariableGroup = "contact" | "attributes" | "event";

export interface TemplateVariable {
  group: VariableGroup;
  /** The Jinja expression, e.g. `contact.attributes.city_tier`. */
  expression: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `base.name`, or `base["name"]` when the name is not an identifier (`coupon-code`, `年龄`). */
export function member(base: string, name: string): string {
  return IDENTIFIER.test(name) ? `${base}.${name}` : `${base}[${JSON.stringify(name)}]`;
}

/** The event that starts the journey, when its entry is event-triggered. */
export function entryEvent(document: JourneyDocument): string | null {
  const entry = document.nodes.find((node) => node.type === "entry");
  const trigger = isObject(entry?.config) ? entry.config.trigger : undefined;
  if (!isObject(trigger) || trigger.kind !== "event") return null;
  return typeof trigger.event === "string" && trigger.event ? trigger.event : null;
}

/** Every variable to offer, in menu order. */
export function templateVariables(names: WorkspaceNames, event: string | null): TemplateVariable[] {
  const variables: TemplateVariable[] = CONTACT_FIELDS.map((field) => ({
    group: "contact",
    expression: `contact.${field}`,
  }));
  for (const attribute of names.attributes) {
    variables.push({ group: "attributes", expression: member("contact.attributes", attribute) });
  }
  const properties = event ? names.events.find((known) => known.name === event)?.properties : [];
  for (const property of properties ?? []) {
    variables.push({ group: "event", expression: member("event.properties", property) });
  }
  return variables;
}

export interface Insertion {
  text: string;
  /** Where the cursor goes: just after the inserted placeholder. */
  cursor: number;
}

/** `text` with `{{ expression }}` replacing the selection [start, end). */
export function insertVariable(text: string, start: number, end: number, expression: string): Insertion {
  const from = Math.max(0, Math.min(start, end, text.length));
  const to = Math.min(text.length, Math.max(start, end));
  const placeholder = `{{ ${expression} }}`;
  return { text: text.slice(0, from) + placeholder + text.slice(to), cursor: from + placeholder.length };
}
