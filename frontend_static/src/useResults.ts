// What the nodes show as results: live stats of a version, refreshed while the page is visible,
// or the figures of a dry run started from the canvas. One hook owns the fetching and polling so
// the Editor only passes the figures on to its nodes (editorContext) and renders ResultsBar.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";

import type { Api } from "./api";
import { type JourneyDocument, asDocument } from "./document";
import type { DocumentError } from "./journey";
import {
  type SimulationForm,
  type SimulationRun,
  errorsOf,
  isFinished,
  pollSimulation,
  simulationRequest,
  startSimulation,
} from "./simulation";
import { type FiguresByNode, type StatsAnswer, pickVersion, sameFigures, shapeFigures } from "./stats";

export const STATS_REFRESH_MS = 10_000;
export const SIMULATION_POLL_MS = 1_000;

export type FiguresSource = "live" | "simulation";

export type SimulationState =
  | { kind: "none" }
  | { kind: "running"; runId: number | null }
  | { kind: "done"; run: SimulationRun; scriptedSends: number; sends: number }
  | { kind: "failed"; message: string };

export interface ResultsOptions {
  api: Api;
  journeyId: number;
  liveVersion: number | null;
  /** "id:type" of every node shown, joined: figures are reshaped only when it changes. */
  nodeTypesKey: string;
  onErrors: (errors: DocumentError[]) => void;
}

export interface Results {
  shown: boolean;
  setShown: (shown: boolean) => void;
  source: FiguresSource;
  showLive: () => void;
  stats: StatsAnswer | null;
  statsProblem: string;
  version: number | null;
  chooseVersion: (version: number | null) => void;
  simulation: SimulationState;
  simulate: (form: SimulationForm) => Promise<void>;
  /** What the nodes draw, or null when figures are hidden or there are none. */
  figuresByNode: FiguresByNode | null;
}

export function nodeTypesKey(nodes: Array<{ id: string; data: { doc: { type: string } } }>): string {
  return nodes.map((node) => `${node.id}:${node.data.doc.type}`).join("\n");
}

function typeLookup(key: string): (id: string) => string | undefined {
  const types = new Map<string, string>();
  for (const line of key.split("\n")) {
    const at = line.lastIndexOf(":");
    if (at > 0) types.set(line.slice(0, at), line.slice(at + 1));
  }
  return (id) => types.get(id);
}

export function useResults({ api, journeyId, liveVersion, nodeTypesKey: typesKey, onErrors }: ResultsOptions): Results {
  const [shown, setShown] = useState(true);
  const [source, setSource] = useState<FiguresSource>("live");
  const [stats, setStats] = useState<StatsAnswer | null>(null);
  const [statsProblem, setStatsProblem] = useState("");
  const [chosen, setChosen] = useState<number | null>(null);
  const [simulation, setSimulation] = useState<SimulationState>({ kind: "none" });
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const refresh = useCallback(async () => {
    const answer = await api.get<StatsAnswer>(`journeys/${journeyId}/stats/`);
    if (!mounted.current) return;
    if (answer.status === 200) {
      setStats(answer.body);
      setStatsProblem("");
    } else {
      setStatsProblem(String(answer.status));
    }
  }, [api, journeyId]);

  useVisiblePolling(refresh, STATS_REFRESH_MS, shown && source === "live");

  const simulate = useCallback(
    async (form: SimulationForm) => {
      setSimulation({ kind: "running", runId: null });
      // The script names send nodes, so it is built from the document the server will run (the
      // saved draft or the version), not from unsaved edits on the canvas.
      const simulated = await simulatedDocument(api, journeyId, form.version);
      if (!simulated) {
        setSimulation({ kind: "failed", message: "404" });
        return;
      }
      const { request, scriptedSends, sends } = simulationRequest(form, simulated);
      const answer = await startSimulation(api, journeyId, request);
      if (answer.status === 400) {
        onErrors(errorsOf(answer.body));
        setSimulation({ kind: "failed", message: "400" });
        return;
      }
      if (answer.status !== 200 && answer.status !== 202) {
        setSimulation({ kind: "failed", message: String(answer.status) });
        return;
      }
      let run = answer.body as SimulationRun;
      while (!isFinished(run)) {
        if (!mounted.current) return;
        setSimulation({ kind: "running", runId: run.id });
        await new Promise((resolve) => window.setTimeout(resolve, SIMULATION_POLL_MS));
        const polled = await pollSimulation(api, run.id);
        if (polled.status !== 200) {
          setSimulation({ kind: "failed", message: String(polled.status) });
          return;
        }
        run = polled.body;
      }
      if (!mounted.current) return;
      if (run.status === "failed" || !run.result) {
        setSimulation({ kind: "failed", message: run.error || run.status });
        return;
      }
      setSimulation({ kind: "done", run, scriptedSends, sends });
      setSource("simulation");
      setShown(true);
    },
    [api, journeyId, onErrors],
  );

  const shownVersion = stats ? pickVersion(stats, chosen, liveVersion) : null;
  const nodes =
    source === "simulation" && simulation.kind === "done" ? simulation.run.result?.nodes ?? null : shownVersion?.nodes ?? null;
  const shaped = useMemo(() => (nodes ? shapeFigures(nodes, typeLookup(typesKey)) : null), [nodes, typesKey]);
  const figuresByNode = useStableFigures(shown ? shaped : null);

  return {
    shown,
    setShown,
    source,
    showLive: useCallback(() => setSource("live"), []),
    stats,
    statsProblem,
    version: shownVersion?.version ?? null,
    chooseVersion: setChosen,
    simulation,
    simulate,
    figuresByNode,
  };
}

async function simulatedDocument(api: Api, journeyId: number, version: number | null): Promise<JourneyDocument | null> {
  const path = version === null ? `journeys/${journeyId}/` : `journeys/${journeyId}/versions/${version}/`;
  const answer = await api.get<{ definition: unknown }>(path);
  return answer.status === 200 ? asDocument(answer.body.definition) : null;
}

/** The previous Map while the figures are equal by value, so a refresh that changed nothing
 * re-renders no node. */
function useStableFigures(next: FiguresByNode | null): FiguresByNode | null {
  const kept = useRef<FiguresByNode | null>(next);
  if (!sameFigures(kept.current, next)) kept.current = next;
  return kept.current;
}

/** Calls `load` now and every `everyMs` while `active` and the page is visible; a page coming
 * back into view is refreshed at once rather than at the next tick. */
function useVisiblePolling(load: () => Promise<void>, everyMs: number, active: boolean) {
  useEffect(() => {
    if (!active) return undefined;
    const tick = () => {
      if (!document.hidden) void load();
    };
    tick();
    const timer = window.setInterval(tick, everyMs);
    const onVisibility = () => {
      if (!document.hidden) void load();
    };
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [load, everyMs, active]);
}
