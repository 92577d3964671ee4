// The preview of a send or webhook node for one contact (POST /journeys/{id}/preview/, see
// docs/preview.md) and the contact search that picks the contact (GET /contacts/?q=). The pure
// parts (which rendered field an error belongs to, how a contact is named) are tested in vitest.
import type { Answer, Api } from "./api";
import type { DocNode, JourneyDocument, Json } from "./document";
import type { DocumentError } from "./journey";

export interface PreviewResult {
  node: string;
  channel: string;
  /** Rendered params (webhooks: url, headers, body, method); a failed template is null. */
  content: Record<string, Json>;
  errors: DocumentError[];
}

export interface ContactSummary {
  external_id: string;
  first_name?: string;
  last_name?: string;
  email?: string;
  phone?: string;
}

export const PREVIEW_DELAY_MS = 400;
export const CONTACT_MATCHES = 8;

export function requestPreview(
  api: Api,
  journeyId: number,
  node: string,
  contact: string,
  definition: JourneyDocument,
): Promise<Answer<PreviewResult | { errors: DocumentError[] }>> {
  return api.post(`journeys/${journeyId}/preview/`, { node, contact, definition });
}

export async function searchContacts(api: Api, text: string): Promise<ContactSummary[]> {
  const query = new URLSearchParams({ q: text, limit: String(CONTACT_MATCHES) });
  const answer = await api.get<{ results: ContactSummary[] }>(`contacts/?${query}`);
  return answer.status === 200 ? answer.body.results : [];
}

/** "Li Wei · demo-li": the name when there is one, the external id always. */
export function contactLabel(contact: ContactSummary): string {
  const name = [contact.first_name, contact.last_name].filter(Boolean).join(" ");
  const reach = name || contact.email || contact.phone || "";
  return reach ? `${reach} · ${contact.external_id}` : contact.external_id;
}

/** Where the node's rendered fields live in the document: send params, or the webhook config. */
export function contentBase(document: JourneyDocument, node: DocNode): string {
  const index = document.nodes.findIndex((candidate) => candidate.id === node.id);
  return `/nodes/${index}/config${node.type === "send" ? "/params" : ""}`;
}

function unescapeToken(token: string): string {
  return token.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** Errors by the rendered field they point into (`title`, `body`, `headers`…); "" for the rest. */
export function errorsByField(errors: DocumentError[], base: string): Map<string, DocumentError[]> {
  const byField = new Map<string, DocumentError[]>();
  for (const error of errors) {
    const inside = error.path.startsWith(`${base}/`) ? error.path.slice(base.length + 1) : null;
    const field = inside === null ? "" : unescapeToken(inside.split("/")[0]);
    byField.set(field, [...(byField.get(field) ?? []), error]);
  }
  return byField;
}

/** A rendered value as the panel shows it: text as is, anything else as indented JSON. */
export function shownValue(value: Json): string | null {
  if (value === null) return null;
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}
