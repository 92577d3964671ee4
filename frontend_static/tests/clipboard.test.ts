// Copy/paste: fresh ids, internal edges and references remapped, outside ones kept, offset pastes.
import { describe, expect, it } from "vitest";

import {
  CLIPBOARD_KEY,
  copySelection,
  duplicateSelection,
  loadClipboard,
  parseClipboard,
  pasteInto,
  storeClipboard,
} from "../src/clipboard";
import { asDocument } from "../src/document";
import type { Graph } from "../src/editorState";
import { toCanvas } from "../src/mapper";

function graphOf(selected: string[]): Graph {
  const { nodes, edges } = toCanvas(asDocument({
    nodes: [
      { id: "start", type: "entry", config: { trigger: { kind: "api" } } },
      { id: "push1", type: "send", config: { channel: "push", account: "a", params: {} } },
      { id: "wait1", type: "wait_event", config: { event: "message.opened", where: { node: "push1" }, timeout: "PT2H" } },
      { id: "wait2", type: "wait_event", config: { event: "message.opened", where: { node: "push1" }, timeout: "PT1H" } },
      { id: "done", type: "exit" },
    ],
    edges: [
      { from: "start", to: "push1" },
      { from: "push1", to: "wait1" },
      { from: "wait1", port: "received", to: "done" },
      { from: "wait1", port: "timeout", to: "done" },
    ],
    ui: { start: { x: 0, y: 0 }, push1: { x: 0, y: 100 }, wait1: { x: 0, y: 200 }, wait2: { x: 200, y: 200 }, done: { x: 0, y: 300 } },
  }));
  return { nodes: nodes.map((node) => ({ ...node, selected: selected.includes(node.id) })), edges };
}

class MemoryStorage implements Storage {
  private items = new Map<string, string>();
  get length() { return this.items.size; }
  clear() { this.items.clear(); }
  getItem(key: string) { return this.items.get(key) ?? null; }
  key(index: number) { return [...this.items.keys()][index] ?? null; }
  removeItem(key: string) { this.items.delete(key); }
  setItem(key: string, value: string) { this.items.set(key, value); }
}

describe("clipboard", () => {
  it("copies the selected nodes and only the edges among them", () => {
    const payload = copySelection(graphOf(["push1", "wait1"]));
    expect(payload?.nodes.map((item) => item.doc.id)).toEqual(["push1", "wait1"]);
    expect(payload?.edges).toEqual([{ from: "push1", to: "wait1" }]);
    expect(copySelection(graphOf([]))).toBeNull();
  });

  it("pastes with fresh ids, remapped edges and references, offset and selected", () => {
    const graph = graphOf(["push1", "wait1", "wait2"]);
    const pasted = pasteInto(graph, copySelection(graph)!);
    const added = pasted.nodes.slice(graph.nodes.length);
    expect(added.map((node) => node.id)).toEqual(["push2", "wait3", "wait4"]);
    expect(added.every((node) => node.selected)).toBe(true);
    expect(pasted.nodes.slice(0, graph.nodes.length).some((node) => node.selected)).toBe(false);
    expect(added[0].position).toEqual({ x: 40, y: 140 });
    expect(added[1].data.doc.config).toMatchObject({ where: { node: "push2" } });
    expect(added[1].data.doc.id).toBe("wait3");
    const newEdges = pasted.edges.slice(graph.edges.length).map((edge) => [edge.source, edge.target, edge.id]);
    expect(newEdges).toEqual([["push2", "wait3", "push2:next->wait3"]]);
    // The originals are untouched.
    expect(graph.nodes[2].data.doc.config).toMatchObject({ where: { node: "push1" } });
  });

  it("keeps a reference that points outside the copied set", () => {
    const graph = graphOf(["wait1"]);
    const pasted = pasteInto(graph, copySelection(graph)!);
    expect(pasted.nodes.at(-1)?.data.doc.config).toMatchObject({ where: { node: "push1" } });
  });

  it("never pastes onto an earlier paste", () => {
    const graph = graphOf(["done"]);
    const payload = copySelection(graph)!;
    const twice = pasteInto(pasteInto(graph, payload), payload);
    const positions = twice.nodes.slice(-2).map((node) => node.position);
    expect(positions).toEqual([{ x: 40, y: 340 }, { x: 80, y: 380 }]);
  });

  it("duplicates the selection and leaves an empty selection alone", () => {
    const graph = graphOf(["done"]);
    expect(duplicateSelection(graph).nodes.map((node) => node.id)).toContain("done1");
    const none = graphOf([]);
    expect(duplicateSelection(none)).toBe(none);
  });

  it("round-trips through storage and rejects foreign or old payloads", () => {
    const storage = new MemoryStorage();
    const payload = copySelection(graphOf(["push1", "wait1"]))!;
    storeClipboard(payload, storage);
    expect(loadClipboard(storage)).toEqual(payload);
    expect(parseClipboard("plain text")).toBeNull();
    expect(parseClipboard(JSON.stringify({ ...payload, version: 0 }))).toBeNull();
    expect(parseClipboard(JSON.stringify({ ...payload, nodes: [{ doc: { id: 1 } }] }))).toBeNull();
    storage.setItem(CLIPBOARD_KEY, "{");
    expect(loadClipboard(storage)).toBeNull();
  });
});
