// One line that tells a marketer what a node does without opening it.
import type { Catalog } from "./catalog";
import { nodeType } from "./catalog";
import type { DocNode, Json } from "./document";
import { isObject } from "./document";
import { t } from "./i18n";

function text(value: Json | undefined): string {
  return typeof value === "string" ? value : "";
}

export function nodeTitle(catalog: Catalog, node: DocNode): string {
  const type = nodeType(catalog, node.type);
  const title = type ? t(type.title) : node.type;
  if (node.type === "send" && isObject(node.config)) {
    const channel = catalog.channels.find((item) => item.name === node.config?.channel);
    const channelTitle = channel ? t(channel.title) : text(node.config.channel);
    return channelTitle ? `${title} · ${channelTitle}` : title;
  }
  return title;
}

export function nodeSummary(node: DocNode): string {
  const config = isObject(node.config) ? node.config : {};
  switch (node.type) {
    case "entry": {
      const trigger = isObject(config.trigger) ? config.trigger : {};
      const detail = text(trigger.event) || text(trigger.segment) || text(trigger.cron);
      return [text(trigger.kind), detail].filter(Boolean).join(": ");
    }
    case "send":
      return text(config.account);
    case "wait":
      return text(config.duration) || text(config.until_time) || text(config.until);
    case "wait_event":
      return [text(config.event), text(config.timeout)].filter(Boolean).join(" · ");
    case "webhook":
      return text(config.url);
    case "split": {
      const variants = Array.isArray(config.variants) ? config.variants : [];
      return variants
        .map((variant) => (isObject(variant) ? `${text(variant.key)} ${String(variant.weight ?? "")}` : ""))
        .join(" / ");
    }
    default:
      return "";
  }
}
