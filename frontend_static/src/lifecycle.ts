// The journey's lifecycle and published versions as the canvas uses them: publish (now or as a
// canary), pause, resume, promote, the version list and one version's frozen definition.
import type { Answer, Api } from "./api";
import type { DocumentError, JourneyResource } from "./journey";

export type LifecycleAction = "pause" | "resume" | "promote";

export interface VersionSummary {
  version: number;
  checksum: string;
  schema_version: number;
  published_at: string;
  published_by: string;
}

export interface VersionDetail extends VersionSummary {
  definition: unknown;
}

/** The fields of the journey a lifecycle call changes; the draft itself is left alone. */
export type JourneyLifecycle = Pick<JourneyResource, "status" | "latest_version" | "live_version" | "canary">;

export function lifecycleOf(journey: JourneyResource): JourneyLifecycle {
  const { status, latest_version, live_version, canary } = journey;
  return { status, latest_version, live_version, canary };
}

/** Which lifecycle buttons make sense now (the server refuses the others with a 409 anyway). */
export function availableActions(state: JourneyLifecycle): { publish: boolean; pause: boolean; resume: boolean; promote: boolean } {
  return {
    publish: state.status !== "archived",
    pause: state.status === "active",
    resume: state.status === "paused",
    promote: state.canary !== null,
  };
}

export type PublishOutcome =
  | { kind: "published" }
  | { kind: "invalid"; errors: DocumentError[] }
  | { kind: "refused"; message: string };

/** `canaryPercent` null publishes for everyone; 1–99 sends that share of new entrants to it. */
export async function publish(api: Api, journeyId: number, canaryPercent: number | null): Promise<PublishOutcome> {
  const body = canaryPercent === null ? {} : { canary_percent: canaryPercent };
  const answer = await api.post<Record<string, unknown>>(`journeys/${journeyId}/publish/`, body);
  if (answer.status === 201) return { kind: "published" };
  if (answer.status === 400 && Array.isArray(answer.body?.errors)) {
    return { kind: "invalid", errors: answer.body.errors as DocumentError[] };
  }
  return { kind: "refused", message: detailOf(answer) };
}

export function runLifecycle(api: Api, journeyId: number, action: LifecycleAction): Promise<Answer<JourneyResource>> {
  return api.post<JourneyResource>(`journeys/${journeyId}/${action}/`, {});
}

export function listVersions(api: Api, journeyId: number): Promise<Answer<VersionSummary[]>> {
  return api.get<VersionSummary[]>(`journeys/${journeyId}/versions/`);
}

export function loadVersion(api: Api, journeyId: number, version: number): Promise<Answer<VersionDetail>> {
  return api.get<VersionDetail>(`journeys/${journeyId}/versions/${version}/`);
}

export function detailOf(answer: Answer<unknown>): string {
  const body = answer.body;
  if (body && typeof body === "object") {
    if ("detail" in body) return String(body.detail);
    const first = Object.entries(body)[0];
    if (first) return `${first[0]}: ${Array.isArray(first[1]) ? first[1].join(" ") : String(first[1])}`;
  }
  return String(answer.status);
}

/** A canary percent typed by a person: a whole number from 1 to 99, or null. */
export function parsePercent(text: string): number | null {
  if (!/^\s*\d{1,2}\s*$/.test(text)) return null;
  const value = Number(text);
  return value >= 1 && value <= 99 ? value : null;
}
