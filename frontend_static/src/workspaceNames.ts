// The names a workspace uses (GET /catalog/: events with their properties, fields, attributes,
// tags; GET /segments/: segment keys), offered as suggestions by the rule builder and the
// template fields. Fetched once per editor (per Api instance) however many fields ask, and never
// required: a field works with free text while the names load or when they cannot be loaded.
import { useEffect, useState } from "react";

import type { Api } from "./api";

export interface EventNames {
  name: string;
  properties: string[];
}

export interface SegmentName {
  key: string;
  name: string;
}

export interface WorkspaceNames {
  events: EventNames[];
  fields: string[];
  attributes: string[];
  tags: string[];
  segments: SegmentName[];
}

export const NO_NAMES: WorkspaceNames = { events: [], fields: [], attributes: [], tags: [], segments: [] };

/** Segments are suggestions: the first page (the API's largest) is enough to offer. */
const SEGMENTS_PATH = "segments/?limit=500";

const loaded = new WeakMap<Api, Promise<WorkspaceNames>>();

export function loadWorkspaceNames(api: Api): Promise<WorkspaceNames> {
  let names = loaded.get(api);
  if (!names) {
    names = fetchNames(api);
    loaded.set(api, names);
    // A failed load is not remembered: the next field to ask tries again.
    names.then((value) => value === NO_NAMES && loaded.delete(api));
  }
  return names;
}

async function fetchNames(api: Api): Promise<WorkspaceNames> {
  try {
    const [catalog, segments] = await Promise.all([
      api.get<Omit<WorkspaceNames, "segments">>("catalog/"),
      api.get<{ results: SegmentName[] }>(SEGMENTS_PATH),
    ]);
    if (catalog.status !== 200) return NO_NAMES;
    return {
      ...catalog.body,
      segments: segments.status === 200 ? segments.body.results : [],
    };
  } catch {
    return NO_NAMES;
  }
}

/** The workspace's names for `api`: empty until they arrive. */
export function useWorkspaceNames(api: Api | undefined): WorkspaceNames {
  const [names, setNames] = useState<WorkspaceNames>(NO_NAMES);
  useEffect(() => {
    if (!api) return;
    let current = true;
    loadWorkspaceNames(api).then((value) => current && setNames(value));
    return () => {
      current = false;
    };
  }, [api]);
  return names;
}
