// The "Insert variable" menu: what it offers and where it puts the placeholder.
import { describe, expect, it } from "vitest";

import { asDocument } from "../src/document";
import { entryEvent, insertVariable, member, templateVariables } from "../src/templateVariables";
import { NO_NAMES } from "../src/workspaceNames";

const NAMES = {
  ...NO_NAMES,
  attributes: ["city_tier", "coupon-code"],
  events: [
    { name: "signed_up", properties: ["plan", "referrer id"] },
    { name: "paid", properties: ["amount"] },
  ],
};

function journeyStartedBy(trigger: unknown) {
  return asDocument({ nodes: [{ id: "start", type: "entry", config: { trigger } }], edges: [] });
}

describe("template variables", () => {
  it("offers the contact fields, the attributes and the entry event's properties", () => {
    const expressions = templateVariables(NAMES, "signed_up").map((v) => `${v.group}:${v.expression}`);
    expect(expressions).toEqual([
      "contact:contact.first_name",
      "contact:contact.last_name",
      "contact:contact.email",
      "contact:contact.phone",
      "contact:contact.external_id",
      "contact:contact.locale",
      "contact:contact.timezone",
      "attributes:contact.attributes.city_tier",
      'attributes:contact.attributes["coupon-code"]',
      "event:event.properties.plan",
      'event:event.properties["referrer id"]',
    ]);
  });

  it("offers no event properties without an event trigger or for an unseen event", () => {
    expect(templateVariables(NAMES, null).some((v) => v.group === "event")).toBe(false);
    expect(templateVariables(NAMES, "never_seen").some((v) => v.group === "event")).toBe(false);
  });

  it("finds the entry event only for event triggers", () => {
    expect(entryEvent(journeyStartedBy({ kind: "event", event: "signed_up" }))).toBe("signed_up");
    expect(entryEvent(journeyStartedBy({ kind: "segment", segment: "vip" }))).toBeNull();
    expect(entryEvent(journeyStartedBy({ kind: "event", event: "" }))).toBeNull();
    expect(entryEvent(journeyStartedBy("nonsense"))).toBeNull();
    expect(entryEvent(asDocument({ nodes: [], edges: [] }))).toBeNull();
  });

  it("quotes names that are not identifiers", () => {
    expect(member("contact.attributes", "age")).toBe("contact.attributes.age");
    expect(member("contact.attributes", "2fa")).toBe('contact.attributes["2fa"]');
    expect(member("contact.attributes", 'say "hi"')).toBe('contact.attributes["say \\"hi\\""]');
  });
});

describe("inserting a variable", () => {
  it("inserts at the cursor and puts the cursor after it", () => {
    expect(insertVariable("Hi !", 3, 3, "contact.first_name")).toEqual({
      text: "Hi {{ contact.first_name }}!",
      cursor: 27,
    });
  });

  it("replaces the selection, whichever way it was made", () => {
    expect(insertVariable("Hi NAME!", 3, 7, "contact.first_name").text).toBe("Hi {{ contact.first_name }}!");
    expect(insertVariable("Hi NAME!", 7, 3, "contact.first_name").text).toBe("Hi {{ contact.first_name }}!");
  });

  it("appends to an empty or out-of-range position", () => {
    expect(insertVariable("", 0, 0, "contact.email")).toEqual({ text: "{{ contact.email }}", cursor: 19 });
    expect(insertVariable("ab", 9, 9, "x").text).toBe("ab{{ x }}");
  });
});
