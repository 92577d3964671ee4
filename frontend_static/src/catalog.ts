// What the server says the canvas can build: node types (GET /node-types/) and channels
// (GET /channels/). Nothing here is hard-coded per type, so a new node type or a third-party
// channel plugin shows up without a frontend change.
import type { DocNode, JsonObject } from "./document";
import { isObject } from "./document";

export interface DynamicPorts {
  list_field: string;
  key_field: string;
  description: string;
}

export interface NodeType {
  name: string;
  title: string;
  description: string;
  config_schema: JsonObject;
  ports: string[];
  optional_ports: string[];
  dynamic_ports: DynamicPorts | null;
  conditional_ports: Record<string, string>;
}

export interface ChannelInfo {
  name: string;
  title: string;
  description?: string;
  params_schema: JsonObject;
  [extra: string]: unknown;
}

export interface Catalog {
  nodeTypes: NodeType[];
  channels: ChannelInfo[];
}

export function nodeType(catalog: Catalog, name: string): NodeType | undefined {
  return catalog.nodeTypes.find((type) => type.name === name);
}

/** The ports a node offers now, in display order: fixed, then per case/variant, then optional. */
export function portsOf(catalog: Catalog, node: DocNode): string[] {
  const type = nodeType(catalog, node.type);
  if (!type) return [];
  const config = isObject(node.config) ? node.config : {};
  const dynamic: string[] = [];
  if (type.dynamic_ports) {
    const items = config[type.dynamic_ports.list_field];
    if (Array.isArray(items)) {
      for (const item of items) {
        const key = isObject(item) ? item[type.dynamic_ports.key_field] : undefined;
        if (typeof key === "string" && key && !dynamic.includes(key)) dynamic.push(key);
      }
    }
  }
  const conditional = Object.entries(type.conditional_ports)
    .filter(([field]) => config[field] !== undefined && config[field] !== null && config[field] !== 0)
    .map(([, port]) => port);
  return [...dynamic, ...type.ports, ...conditional, ...type.optional_ports];
}

/** Ports that need not be wired (the contract: only `failed`-like optional ports). */
export function isOptionalPort(catalog: Catalog, node: DocNode, port: string): boolean {
  return nodeType(catalog, node.type)?.optional_ports.includes(port) ?? false;
}
