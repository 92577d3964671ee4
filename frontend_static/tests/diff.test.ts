// The version ↔ draft diff: added, removed, changed nodes (type/label/config) and edges.
import { describe, expect, it } from "vitest";

import { canonical, diffClass, diffDocuments, isEmptyDiff } from "../src/diff";
import { asDocument } from "../src/document";

const version = asDocument({
  nodes: [
    { id: "start", type: "entry", config: { trigger: { kind: "api" } } },
    { id: "sms1", type: "send", label: "Hello", config: { channel: "sms", params: { a: 1, b: 2 } } },
    { id: "old", type: "exit" },
    { id: "done", type: "exit", notes: "why" },
  ],
  edges: [{ from: "start", to: "sms1" }, { from: "sms1", to: "old" }],
  ui: { start: { x: 0, y: 0 } },
});

describe("diffDocuments", () => {
  it("finds nothing between equal documents, whatever the key order or positions", () => {
    const same = asDocument({
      ...version,
      nodes: version.nodes.map((node) => (node.id === "sms1" ? { ...node, config: { params: { b: 2, a: 1 }, channel: "sms" } } : node)),
      ui: { start: { x: 50, y: 50 } },
    });
    expect(isEmptyDiff(diffDocuments(version, same))).toBe(true);
  });

  it("lists added, removed and changed nodes and edges", () => {
    const draft = asDocument({
      nodes: [
        { id: "start", type: "entry", config: { trigger: { kind: "api" } } },
        { id: "sms1", type: "send", label: "Hi", config: { channel: "sms", params: { a: 1, b: 3 } } },
        { id: "done", type: "webhook", notes: "changed notes are not behaviour" },
        { id: "new1", type: "exit" },
      ],
      edges: [{ from: "start", to: "sms1" }, { from: "sms1", to: "new1" }, { from: "sms1", port: "failed", to: "done" }],
    });
    const diff = diffDocuments(version, draft);
    expect(diff.added).toEqual(["new1"]);
    expect(diff.removed).toEqual(["old"]);
    expect(diff.changed).toEqual([
      { id: "sms1", fields: ["label", "config"] },
      { id: "done", fields: ["type"] },
    ]);
    expect(diff.edgesAdded).toEqual(["sms1:next->new1", "sms1:failed->done"]);
    expect(diff.edgesRemoved).toEqual(["sms1:next->old"]);
    expect(diffClass(diff, "new1")).toBe("tf-diff--added");
    expect(diffClass(diff, "old")).toBe("tf-diff--removed");
    expect(diffClass(diff, "sms1")).toBe("tf-diff--changed");
    expect(diffClass(diff, "start")).toBeUndefined();
  });

  it("treats an explicit next port like an omitted one", () => {
    const draft = asDocument({ ...version, edges: [{ from: "start", port: "next", to: "sms1" }, { from: "sms1", to: "old" }] });
    expect(diffDocuments(version, draft).edgesAdded).toEqual([]);
  });

  it("sorts nested keys but keeps array order", () => {
    expect(canonical({ b: [2, 1], a: { d: 1, c: 2 } })).toBe('{"a":{"c":2,"d":1},"b":[2,1]}');
  });
});
