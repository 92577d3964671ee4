// Palette items come from the catalogs: one per node type, with `send` offered once per channel.
import type { Catalog } from "./catalog";
import type { DocNode, JsonObject } from "./document";

export interface PaletteItem {
  key: string;
  title: string;
  description: string;
  type: string;
  config: JsonObject;
}

export const DRAG_MIME = "application/x-touchflow-node";

export function paletteItems(catalog: Catalog): PaletteItem[] {
  const items: PaletteItem[] = [];
  for (const type of catalog.nodeTypes) {
    if (type.name === "send") {
      for (const channel of catalog.channels) {
        items.push({
          key: `send:${channel.name}`,
          title: channel.title,
          description: channel.description ?? type.description,
          type: "send",
          config: { channel: channel.name, params: {} },
        });
      }
    } else {
      items.push({ key: type.name, title: type.title, description: type.description, type: type.name, config: {} });
    }
  }
  return items;
}

/** A fresh id from the item's type (or channel): readable, and unique among `taken`. */
export function freshId(base: string, taken: Set<string>): string {
  const stem = base.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/^_+|_+$/g, "") || "node";
  for (let n = 1; ; n += 1) {
    const id = `${stem}${n}`;
    if (!taken.has(id)) return id;
  }
}

export function newDocNode(item: PaletteItem, taken: Set<string>): DocNode {
  const base = item.type === "send" ? String(item.config.channel) : item.type;
  const node: DocNode = { id: freshId(base, taken), type: item.type };
  if (Object.keys(item.config).length || item.type !== "exit") node.config = structuredClone(item.config);
  return node;
}
