// The journey editor: canvas, palette, side panel, toolbar. State is the graph under an undo
// history (editorState.ts); saving maps it back to the document (mapper.ts) and PATCHes it with
// the rev it was read at, so a concurrent change is a 409 the user decides about, never lost work.
import {
  Background,
  Controls,
  type EdgeChange,
  MiniMap,
  type NodeChange,
  ReactFlow,
  type Connection,
  useReactFlow,
} from "@xyflow/react";
import { type DragEvent, useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";

import type { Api } from "./api";
import type { Catalog } from "./catalog";
import { useChannelAccounts } from "./channelAccounts";
import type { DocNode, JourneyDocument, JsonObject } from "./document";
import { asDocument } from "./document";
import { EditorContext, type EditorContextValue } from "./editorContext";
import { type Graph, contentKey, editorReducer, initialEditorState } from "./editorState";
import { addNode, applyEdgeEdits, applyNodeEdits, changesContent, connect, updateNodeDoc } from "./graphOps";
import { t } from "./i18n";
import {
  type DocumentError,
  type JourneyResource,
  type SaveConflict,
  saveJourney,
  validateDocument,
} from "./journey";
import { JourneyNode } from "./JourneyNode";
import { layout } from "./layout";
import { type CanvasEdge, type CanvasNode, type DocumentFrame, toCanvas, toDocument } from "./mapper";
import { NodePanel } from "./NodePanel";
import { Palette } from "./Palette";
import { SettingsPanel } from "./SettingsPanel";
import { DRAG_MIME, newDocNode, type PaletteItem, paletteItems } from "./palette";
import { ErrorList } from "./ErrorList";

const NODE_TYPES = { journey: JourneyNode };

interface EditorProps {
  api: Api;
  catalog: Catalog;
  journey: JourneyResource;
  readOnly: boolean;
}

type SaveState =
  | { kind: "idle" }
  | { kind: "saving" }
  | { kind: "saved" }
  | { kind: "conflict"; conflict: SaveConflict }
  | { kind: "failed"; message: string };

/** Opens a document: nodes the document gave no position are laid out around the rest. */
export function openDocument(definition: unknown): { graph: Graph; frame: DocumentFrame } {
  const { nodes, edges, settings, frame } = toCanvas(asDocument(definition));
  const unplaced = new Set(nodes.filter((node) => !node.data.placed).map((node) => node.id));
  const laidOut = unplaced.size ? layout(nodes, edges, unplaced) : nodes;
  return { graph: { nodes: laidOut, edges, settings }, frame };
}

export function Editor({ api, catalog, journey, readOnly }: EditorProps) {
  const opened = useMemo(() => openDocument(journey.definition), [journey]);
  const [frame, setFrame] = useState<DocumentFrame>(opened.frame);
  const [state, dispatch] = useReducer(editorReducer, opened.graph, initialEditorState);
  const graph = state.history.present;
  const [rev, setRev] = useState(journey.rev);
  const [errors, setErrors] = useState<DocumentError[]>([]);
  const [saveState, setSaveState] = useState<SaveState>({ kind: "idle" });
  const flow = useReactFlow<CanvasNode, CanvasEdge>();
  const dragBase = useRef<Graph | null>(null);
  const wrapper = useRef<HTMLDivElement>(null);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const accounts = useChannelAccounts(api);
  const nodeIds = useMemo(() => idsByType(graph.nodes), [graph.nodes]);

  const dirty = useMemo(() => contentKey(graph) !== contentKey(state.saved), [graph, state.saved]);
  const items = useMemo(() => paletteItems(catalog), [catalog]);
  const errorsByNode = useMemo(() => groupByNode(errors), [errors]);
  const context = useMemo<EditorContextValue>(
    () => ({ catalog, readOnly, errorsByNode }),
    [catalog, readOnly, errorsByNode],
  );
  const selected = graph.nodes.filter((node) => node.selected);

  const currentDocument = useCallback(
    (): JourneyDocument => toDocument({ ...graph, frame }, flow.getViewport()),
    [graph, frame, flow],
  );

  const onNodesChange = useCallback(
    (changes: NodeChange<CanvasNode>[]) => {
      const dragEnded = changes.some((change) => change.type === "position" && change.dragging === false);
      const dragging = changes.some((change) => change.type === "position" && change.dragging === true);
      const keyboardMove = changes.some((change) => change.type === "position" && change.dragging === undefined);
      const update = (current: Graph) => applyNodeEdits(current, changes);
      if (dragEnded && dragBase.current) {
        const base = dragBase.current;
        dragBase.current = null;
        dispatch({ kind: "transient", update });
        dispatch({ kind: "commit_from", base });
      } else if (readOnly || dragging || !(changesContent(changes) || keyboardMove)) {
        dispatch({ kind: "transient", update: readOnly ? selectionOnly(changes) : update });
      } else {
        dispatch({ kind: "change", update });
      }
    },
    [readOnly],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange<CanvasEdge>[]) => {
      const update = (current: Graph) => applyEdgeEdits(current, readOnly ? changes.filter((c) => c.type === "select") : changes);
      dispatch({ kind: !readOnly && changesContent(changes) ? "change" : "transient", update });
    },
    [readOnly],
  );

  const onConnect = useCallback((connection: Connection) => {
    dispatch({ kind: "change", update: (current) => connect(current, connection) });
  }, []);

  const addItem = useCallback(
    (item: PaletteItem, position?: { x: number; y: number }) => {
      if (readOnly) return;
      const at = position ?? viewCentre(flow, wrapper.current);
      dispatch({
        kind: "change",
        update: (current) => addNode(current, newDocNode(item, new Set(current.nodes.map((node) => node.id))), at),
      });
    },
    [flow, readOnly],
  );

  const onDrop = useCallback(
    (event: DragEvent) => {
      const key = event.dataTransfer.getData(DRAG_MIME);
      const item = items.find((candidate) => candidate.key === key);
      if (!item) return;
      event.preventDefault();
      addItem(item, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
    },
    [addItem, flow, items],
  );

  const updateDoc = useCallback((id: string, doc: DocNode) => {
    dispatch({ kind: "change", update: (current) => updateNodeDoc(current, id, doc) });
  }, []);

  const updateSettings = useCallback((settings: JsonObject | undefined) => {
    dispatch({ kind: "change", update: (current) => ({ ...current, settings }) });
  }, []);

  const tidy = useCallback(() => {
    dispatch({ kind: "change", update: (current) => ({ ...current, nodes: layout(current.nodes, current.edges) }) });
    window.requestAnimationFrame(() => flow.fitView({ padding: 0.15 }));
  }, [flow]);

  const validate = useCallback(
    async (document: JourneyDocument) => {
      const answer = await validateDocument(api, journey.id, document);
      if (answer.status === 200) setErrors(answer.body.errors);
    },
    [api, journey.id],
  );

  const save = useCallback(
    async (atRev: number = rev) => {
      const document = currentDocument();
      setSaveState({ kind: "saving" });
      const answer = await saveJourney(api, journey.id, atRev, document);
      if (answer.status === 200) {
        const saved = answer.body as JourneyResource;
        setRev(saved.rev);
        dispatch({ kind: "saved", graph });
        setSaveState({ kind: "saved" });
        await validate(document);
      } else if (answer.status === 409) {
        setSaveState({ kind: "conflict", conflict: answer.body as SaveConflict });
      } else {
        setSaveState({ kind: "failed", message: describeFailure(answer.status, answer.body) });
      }
    },
    [api, currentDocument, graph, journey.id, rev, validate],
  );

  const reloadFromServer = useCallback(async () => {
    const answer = await api.get<JourneyResource>(`journeys/${journey.id}/`);
    if (answer.status !== 200) return;
    const reopened = openDocument(answer.body.definition);
    setFrame(reopened.frame);
    setRev(answer.body.rev);
    dispatch({ kind: "load", graph: reopened.graph });
    setSaveState({ kind: "idle" });
    setErrors([]);
  }, [api, journey.id]);

  useKeyboardShortcuts({ dispatch, save: () => void save(), readOnly });
  useLeaveWarning(dirty);
  useDocumentHandle(currentDocument);

  useEffect(() => {
    void validate(toDocument({ ...opened.graph, frame: opened.frame }));
  }, [opened, validate]);

  const focusNode = useCallback(
    (id: string) => {
      const target = graph.nodes.find((node) => node.id === id);
      if (!target) return;
      dispatch({
        kind: "transient",
        update: (current) => ({
          ...current,
          nodes: current.nodes.map((node) => ({ ...node, selected: node.id === id })),
        }),
      });
      flow.setCenter(target.position.x + 110, target.position.y + 40, { zoom: Math.max(flow.getZoom(), 1), duration: 0 });
      window.requestAnimationFrame(() =>
        document.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(id)}"]`)?.focus(),
      );
    },
    [flow, graph.nodes],
  );

  return (
    <EditorContext.Provider value={context}>
      <div className="tf-editor" data-dirty={dirty} data-read-only={readOnly}>
        <header className="tf-toolbar" aria-label={t("Journey")}>
          <h1>{journey.name}</h1>
          <span className="tf-status" data-testid="journey-status">
            {t(journey.status)}
          </span>
          <button type="button" aria-pressed={settingsOpen} onClick={() => setSettingsOpen((open) => !open)}>
            {t("Journey settings")}
          </button>
          {!readOnly && (
            <>
              <button type="button" onClick={() => dispatch({ kind: "undo" })} disabled={!state.history.past.length}>
                {t("Undo")}
              </button>
              <button type="button" onClick={() => dispatch({ kind: "redo" })} disabled={!state.history.future.length}>
                {t("Redo")}
              </button>
              <button type="button" onClick={tidy}>
                {t("Auto-layout")}
              </button>
              <button type="button" className="tf-primary" onClick={() => void save()} disabled={saveState.kind === "saving"}>
                {t("Save")}
              </button>
            </>
          )}
          {readOnly && <span className="tf-readonly">{t("Read only")}</span>}
          <SaveStatus state={saveState} dirty={dirty} />
        </header>
        {saveState.kind === "conflict" && (
          <div className="tf-banner tf-banner--conflict" role="alert">
            <p>{t("Someone else saved this journey while you were editing. Your changes are still here.")}</p>
            <button type="button" onClick={() => void reloadFromServer()}>
              {t("Discard mine and reload theirs")}
            </button>
            <button type="button" onClick={() => void save(saveState.conflict.rev)}>
              {t("Overwrite theirs with mine")}
            </button>
          </div>
        )}
        <ErrorList errors={errors} onFocusNode={focusNode} />
        <div className="tf-body">
          {!readOnly && <Palette items={items} onAdd={(item) => addItem(item)} />}
          <div
            className="tf-canvas"
            ref={wrapper}
            onDrop={onDrop}
            onDragOver={(event) => {
              event.preventDefault();
              event.dataTransfer.dropEffect = "move";
            }}
          >
            <ReactFlow<CanvasNode, CanvasEdge>
              nodes={graph.nodes}
              edges={graph.edges}
              nodeTypes={NODE_TYPES}
              onNodesChange={onNodesChange}
              onEdgesChange={onEdgesChange}
              onConnect={readOnly ? undefined : onConnect}
              onNodeDragStart={() => {
                dragBase.current = graph;
              }}
              nodesDraggable={!readOnly}
              nodesConnectable={!readOnly}
              deleteKeyCode={readOnly ? null : ["Backspace", "Delete"]}
              multiSelectionKeyCode={["Shift", "Meta", "Control"]}
              snapToGrid
              snapGrid={[10, 10]}
              defaultViewport={frame.viewport ?? undefined}
              fitView={!frame.viewport}
              minZoom={0.1}
              proOptions={{ hideAttribution: true }}
            >
              <Background gap={20} />
              <Controls showInteractive={false} />
              <MiniMap pannable zoomable ariaLabel={t("Mini map")} />
            </ReactFlow>
          </div>
          {settingsOpen ? (
            <SettingsPanel
              settings={graph.settings}
              channels={catalog.channels}
              readOnly={readOnly}
              onChange={updateSettings}
              onClose={() => setSettingsOpen(false)}
            />
          ) : (
            selected.length === 1 && (
              <NodePanel
                key={selected[0].id}
                node={selected[0].data.doc}
                onChange={(doc) => updateDoc(selected[0].id, doc)}
                accounts={accounts}
                nodeIds={nodeIds}
              />
            )
          )}
        </div>
      </div>
    </EditorContext.Provider>
  );
}

function SaveStatus({ state, dirty }: { state: SaveState; dirty: boolean }) {
  let text = dirty ? t("Unsaved changes") : t("All changes saved");
  if (state.kind === "saving") text = t("Saving…");
  if (state.kind === "failed") text = state.message;
  return (
    <span className="tf-save-status" role="status" aria-live="polite" data-testid="save-status">
      {text}
    </span>
  );
}

function describeFailure(status: number, body: unknown): string {
  const detail = body && typeof body === "object" && "detail" in body ? String(body.detail) : "";
  return t("Saving failed (%(status)s). %(detail)s", { status, detail });
}

/** Node ids by type, in graph order (forms offer e.g. the send nodes a wait_event can watch). */
function idsByType(nodes: CanvasNode[]): Record<string, string[]> {
  const ids: Record<string, string[]> = {};
  for (const node of nodes) (ids[node.data.doc.type] ??= []).push(node.id);
  return ids;
}

function groupByNode(errors: DocumentError[]): Map<string, DocumentError[]> {
  const grouped = new Map<string, DocumentError[]>();
  for (const error of errors) {
    if (!error.node_id) continue;
    grouped.set(error.node_id, [...(grouped.get(error.node_id) ?? []), error]);
  }
  return grouped;
}

function selectionOnly(changes: NodeChange<CanvasNode>[]) {
  const kept = changes.filter((change) => change.type === "select" || change.type === "dimensions");
  return (current: Graph) => applyNodeEdits(current, kept);
}

function viewCentre(flow: Pick<ReturnType<typeof useReactFlow>, "screenToFlowPosition">, element: HTMLElement | null) {
  const box = element?.getBoundingClientRect();
  if (!box) return { x: 0, y: 0 };
  const centre = flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 });
  return { x: centre.x - 110, y: centre.y - 40 };
}

interface ShortcutOptions {
  dispatch: (action: { kind: "undo" } | { kind: "redo" }) => void;
  save: () => void;
  readOnly: boolean;
}

/** Ctrl/Cmd+Z undoes, Shift+Ctrl/Cmd+Z (or Ctrl+Y) redoes, Ctrl/Cmd+S saves — not while typing. */
function useKeyboardShortcuts({ dispatch, save, readOnly }: ShortcutOptions) {
  useEffect(() => {
    if (readOnly) return undefined;
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey)) return;
      const key = event.key.toLowerCase();
      if (key === "s") {
        event.preventDefault();
        save();
        return;
      }
      if (isTyping(event.target)) return;
      if (key === "z") {
        event.preventDefault();
        dispatch({ kind: event.shiftKey ? "redo" : "undo" });
      } else if (key === "y") {
        event.preventDefault();
        dispatch({ kind: "redo" });
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [dispatch, save, readOnly]);
}

export function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

function useLeaveWarning(dirty: boolean) {
  useEffect(() => {
    if (!dirty) return undefined;
    const onLeave = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", onLeave);
    return () => window.removeEventListener("beforeunload", onLeave);
  }, [dirty]);
}

declare global {
  interface Window {
    __journeyCanvas?: { getDocument: () => JourneyDocument };
  }
}

/** A read-only handle on the document the canvas would save: browser tests assert on it instead
 * of guessing from pixels, and a user can copy it from the console. It reveals nothing the page
 * does not already show. */
function useDocumentHandle(currentDocument: () => JourneyDocument) {
  useEffect(() => {
    window.__journeyCanvas = { getDocument: currentDocument };
    return () => {
      delete window.__journeyCanvas;
    };
  }, [currentDocument]);
}
