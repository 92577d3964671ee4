// The preview panel's pure parts: which field an error belongs to, and how contacts are named.
import { describe, expect, it } from "vitest";

import { asDocument } from "../src/document";
import type { DocumentError } from "../src/journey";
import { contactLabel, contentBase, errorsByField, shownValue } from "../src/preview";

const DOCUMENT = asDocument({
  nodes: [
    { id: "start", type: "entry" },
    { id: "push1", type: "send", config: { params: { title: "x" } } },
    { id: "hook", type: "webhook", config: { url: "https://example.com" } },
  ],
  edges: [],
});

function error(path: string): DocumentError {
  return { code: "template.render", message: "boom", node_id: "push1", path };
}

describe("preview", () => {
  it("finds where a node's rendered fields live", () => {
    expect(contentBase(DOCUMENT, DOCUMENT.nodes[1])).toBe("/nodes/1/config/params");
    expect(contentBase(DOCUMENT, DOCUMENT.nodes[2])).toBe("/nodes/2/config");
  });

  it("groups errors by the field they point into", () => {
    const errors = [
      error("/nodes/1/config/params/title"),
      error("/nodes/1/config/params/data/deep~1link"),
      error("/nodes/1/config/params/a~1b"),
      error("/nodes/1/config/channel"),
      error("/contact"),
    ];
    const grouped = errorsByField(errors, "/nodes/1/config/params");
    expect([...grouped.keys()]).toEqual(["title", "data", "a/b", ""]);
    expect(grouped.get("")).toHaveLength(2);
    // A sibling whose name only starts like the base is not inside it.
    expect(errorsByField([error("/nodes/1/config/paramsX/t")], "/nodes/1/config/params").get("")).toHaveLength(1);
  });

  it("names contacts by name, address or id, always with the id", () => {
    expect(contactLabel({ external_id: "demo-li", first_name: "Li", last_name: "Wei" })).toBe("Li Wei · demo-li");
    expect(contactLabel({ external_id: "u1", first_name: "", email: "a@example.com" })).toBe("a@example.com · u1");
    expect(contactLabel({ external_id: "u2" })).toBe("u2");
  });

  it("shows text as is and other values as JSON", () => {
    expect(shownValue("Hello")).toBe("Hello");
    expect(shownValue(null)).toBeNull();
    expect(shownValue({ a: 1 })).toBe('{\n  "a": 1\n}');
  });
});
