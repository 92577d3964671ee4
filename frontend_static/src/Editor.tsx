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
import { EdgeInsertContext, type EdgeInsertValue, InsertableEdge } from "./InsertableEdge";
import { insertOnEdge, insertableItems } from "./edgeInsert";
import { type Graph, contentKey, editorReducer, initialEditorState } from "./editorState";
import {
  addNode,
  applyEdgeEdits,
  applyNodeEdits,
  changesContent,
  connect,
  removeElements,
  updateNodeDoc,
} from "./graphOps";
import { t } from "./i18n";
import {
  type DocumentError,
  type JourneyResource,
  type SaveConflict,
  saveJourney,
  validateDocument,
} from "./journey";
import { detailOf, loadVersion } from "./lifecycle";
import { JourneyNode } from "./JourneyNode";
import { layout } from "./layout";
import { type CanvasEdge, type CanvasNode, type DocumentFrame, toCanvas, toDocument } from "./mapper";
import { NodePanel } from "./NodePanel";
import { OPENING_FIT, openingNodes } from "./opening";
import { Palette } from "./Palette";
import { SettingsPanel } from "./SettingsPanel";
import { DRAG_MIME, newDocNode, type PaletteItem, paletteItems } from "./palette";
import { ErrorList } from "./ErrorList";
import { liveChecker } from "./liveValidation";
import { PublishDialog } from "./PublishDialog";
import { type SaveState, Toolbar } from "./Toolbar";
import { typingRun } from "./typingRun";
import { useEditingShortcuts } from "./useEditingShortcuts";
import { useLifecycle } from "./useLifecycle";
import { type VersionView, versionView as viewOfVersion } from "./versionView";
import { VersionBanner } from "./VersionBanner";
import { ResultsBar } from "./ResultsBar";
import { nodeTypesKey, useResults } from "./useResults";

const NODE_TYPES = { journey: JourneyNode };
/** Every edge shows its port and a "+" to insert a step (the default type is replaced). */
const EDGE_TYPES = { default: InsertableEdge };

interface EditorProps {
  api: Api;
  catalog: Catalog;
  journey: JourneyResource;
  readOnly: boolean;
}

/** Opens a document: nodes the document gave no position are laid out around the rest. */
export function openDocument(definition: unknown): { graph: Graph; frame: DocumentFrame } {
  const { nodes, edges, settings, frame } = toCanvas(asDocument(definition));
  const unplaced = new Set(nodes.filter((node) => !node.data.placed).map((node) => node.id));
  const laidOut = unplaced.size ? layout(nodes, edges, unplaced) : nodes;
  return { graph: { nodes: laidOut, edges, settings }, frame };
}

export function Editor({ api, catalog, journey, readOnly }: EditorProps) {
  const opened = useMemo(() => openDocument(journey.definition), [journey]);
  const openingFit = useMemo(
    () => ({ ...OPENING_FIT, nodes: openingNodes(opened.graph.nodes, window.innerHeight) }),
    [opened],
  );
  const [frame, setFrame] = useState<DocumentFrame>(opened.frame);
  const [state, dispatch] = useReducer(editorReducer, opened.graph, initialEditorState);
  const graph = state.history.present;
  const [rev, setRev] = useState(journey.rev);
  const [errors, setErrors] = useState<DocumentError[]>([]);
  const [saveState, setSaveState] = useState<SaveState>({ kind: "idle" });
  const [versionView, setVersionView] = useState<VersionView | null>(null);
  const viewing = versionView !== null;
  const editable = !readOnly && !viewing;
  const shown = versionView?.graph ?? graph;
  const flow = useReactFlow<CanvasNode, CanvasEdge>();
  const dragBase = useRef<Graph | null>(null);
  const wrapper = useRef<HTMLDivElement>(null);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const accounts = useChannelAccounts(api);
  const nodeIds = useMemo(() => idsByType(graph.nodes), [graph.nodes]);

  const content = useMemo(() => contentKey(graph), [graph]);
  const dirty = useMemo(() => content !== contentKey(state.saved), [content, state.saved]);
  const items = useMemo(() => paletteItems(catalog), [catalog]);
  const insertable = useMemo(() => insertableItems(catalog, items), [catalog, items]);
  const errorsByNode = useMemo(() => groupByNode(errors), [errors]);
  const results = useResults({
    api,
    journeyId: journey.id,
    liveVersion: journey.live_version,
    nodeTypesKey: nodeTypesKey(graph.nodes),
    onErrors: setErrors,
  });
  const { figuresByNode, source: figuresSource } = results;
  const selected = shown.nodes.filter((node) => node.selected);

  const currentDocument = useCallback(
    (): JourneyDocument => toDocument({ ...graph, frame }, flow.getViewport()),
    [graph, frame, flow],
  );
  // Updated while rendering, so panels rendered below read this render's document.
  const documentRef = useRef(currentDocument);
  documentRef.current = currentDocument;
  const getDocument = useCallback(() => documentRef.current(), []);
  const context = useMemo<EditorContextValue>(
    () => ({
      catalog,
      readOnly: !editable,
      errorsByNode: viewing ? NO_ERRORS : errorsByNode,
      api,
      journeyId: journey.id,
      getDocument,
      figuresByNode,
      figuresSource,
    }),
    [catalog, editable, viewing, errorsByNode, api, journey.id, getDocument, figuresByNode, figuresSource],
  );

  const onNodesChange = useCallback(
    (reported: NodeChange<CanvasNode>[]) => {
      const changes = withoutRemovals(reported);
      if (!changes.length) return;
      const dragEnded = changes.some((change) => change.type === "position" && change.dragging === false);
      const dragging = changes.some((change) => change.type === "position" && change.dragging === true);
      const keyboardMove = changes.some((change) => change.type === "position" && change.dragging === undefined);
      if (viewing) {
        setVersionView((view) => view && { ...view, graph: selectionOnly(changes)(view.graph) });
        return;
      }
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
    [readOnly, viewing],
  );

  const onEdgesChange = useCallback(
    (reported: EdgeChange<CanvasEdge>[]) => {
      const changes = withoutRemovals(reported);
      if (!changes.length) return;
      const locked = readOnly || viewing;
      const update = (current: Graph) => applyEdgeEdits(current, locked ? changes.filter((c) => c.type === "select") : changes);
      if (viewing) {
        setVersionView((view) => view && { ...view, graph: update(view.graph) });
        return;
      }
      dispatch({ kind: !locked && changesContent(changes) ? "change" : "transient", update });
    },
    [readOnly, viewing],
  );

  const onDelete = useCallback(
    ({ nodes, edges }: { nodes: CanvasNode[]; edges: CanvasEdge[] }) => {
      if (!editable) return;
      const update = (current: Graph) =>
        removeElements(
          current,
          nodes.map((node) => node.id),
          edges.map((edge) => edge.id),
        );
      dispatch({ kind: "change", update });
    },
    [editable],
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
      const onEdge = event.target instanceof Element ? event.target.closest(".react-flow__edge")?.getAttribute("data-id") : null;
      if (onEdge && editable && insertable.includes(item)) {
        dispatch({ kind: "change", update: (current) => insertOnEdge(current, onEdge, item, catalog) });
        return;
      }
      addItem(item, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
    },
    [addItem, catalog, editable, flow, insertable, items],
  );

  const updateDoc = useCallback((id: string, doc: DocNode) => {
    dispatch({ kind: "change", update: (current) => updateNodeDoc(current, id, doc), run: typingRun(`node:${id}`) });
  }, []);

  const updateSettings = useCallback((settings: JsonObject | undefined) => {
    dispatch({ kind: "change", update: (current) => ({ ...current, settings }), run: typingRun("settings") });
  }, []);

  const tidy = useCallback(() => {
    dispatch({ kind: "change", update: (current) => ({ ...current, nodes: layout(current.nodes, current.edges) }) });
    window.requestAnimationFrame(() => flow.fitView({ padding: 0.15 }));
  }, [flow]);

  const checker = useMemo(
    () =>
      liveChecker(
        async (document: JourneyDocument) => {
          const answer = await validateDocument(api, journey.id, document);
          return answer.status === 200 ? answer.body.errors : null;
        },
        // Unchanged errors keep the same array: a new one would re-render every node for nothing.
        (next: DocumentError[]) => setErrors((current) => (JSON.stringify(current) === JSON.stringify(next) ? current : next)),
      ),
    [api, journey.id],
  );
  useEffect(() => () => checker.dispose(), [checker]);
  const validate = checker.checkNow;

  /** Saves the draft; the new rev, or null when the save did not happen (conflict, failure). */
  const save = useCallback(
    async (atRev: number = rev): Promise<number | null> => {
      const document = currentDocument();
      setSaveState({ kind: "saving" });
      const answer = await saveJourney(api, journey.id, atRev, document);
      if (answer.status === 200) {
        const saved = answer.body as JourneyResource;
        setRev(saved.rev);
        dispatch({ kind: "saved", graph });
        setSaveState({ kind: "saved" });
        await validate(document);
        return saved.rev;
      }
      if (answer.status === 409) {
        setSaveState({ kind: "conflict", conflict: answer.body as SaveConflict });
      } else {
        setSaveState({ kind: "failed", message: describeFailure(answer.status, answer.body) });
      }
      return null;
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

  const lifecycle = useLifecycle({ api, journey, rev, setRev, dirty, save, showErrors: setErrors });

  const openVersion = useCallback(
    async (number: number) => {
      const answer = await loadVersion(api, journey.id, number);
      if (answer.status === 200) setVersionView(viewOfVersion(number, answer.body.definition, currentDocument(), openDocument));
      else lifecycle.setProblem(detailOf(answer));
    },
    [api, currentDocument, journey.id, lifecycle.setProblem],
  );

  const clearSelection = useCallback(() => {
    const none = (current: Graph): Graph => ({
      nodes: current.nodes.map((node) => (node.selected ? { ...node, selected: false } : node)),
      edges: current.edges.map((edge) => (edge.selected ? { ...edge, selected: false } : edge)),
    });
    if (viewing) setVersionView((view) => view && { ...view, graph: none(view.graph) });
    else dispatch({ kind: "transient", update: none });
  }, [viewing]);
  useEditingShortcuts({ graph: shown, canEdit: editable, dispatch, onClearSelection: clearSelection, isTyping });
  const edgeInsert = useMemo<EdgeInsertValue>(
    () => ({
      items: editable ? insertable : null,
      onInsert: (edgeId, item) => dispatch({ kind: "change", update: (current) => insertOnEdge(current, edgeId, item, catalog) }),
      byKey: (key) => items.find((item) => item.key === key),
    }),
    [catalog, editable, insertable, items],
  );

  useKeyboardShortcuts({ dispatch, save: () => void save(), readOnly: !editable });
  useLeaveWarning(dirty);
  useDocumentHandle(currentDocument);

  useEffect(() => {
    void validate(toDocument({ ...opened.graph, frame: opened.frame }));
  }, [opened, validate]);
  // Every edit of the draft is checked once edits pause; selecting or measuring changes nothing.
  const lastEdited = useRef(content);
  useEffect(() => {
    if (!editable || content === lastEdited.current) return;
    lastEdited.current = content;
    checker.edited(getDocument);
  }, [checker, content, editable, getDocument]);

  const focusNode = useCallback(
    (id: string) => {
      const target = shown.nodes.find((node) => node.id === id);
      if (!target) return;
      const only = (current: Graph): Graph => ({
        ...current,
        nodes: current.nodes.map((node) => ({ ...node, selected: node.id === id })),
      });
      if (viewing) setVersionView((view) => view && { ...view, graph: only(view.graph) });
      else dispatch({ kind: "transient", update: only });
      flow.setCenter(target.position.x + 110, target.position.y + 40, { zoom: Math.max(flow.getZoom(), 1), duration: 0 });
      window.requestAnimationFrame(() =>
        document.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(id)}"]`)?.focus(),
      );
    },
    [flow, shown.nodes, viewing],
  );

  return (
    <EditorContext.Provider value={context}>
      <EdgeInsertContext.Provider value={edgeInsert}>
      <div className="tf-editor" data-dirty={dirty} data-read-only={!editable} data-version={versionView?.number}>
        <Toolbar
          api={api}
          journeyId={journey.id}
          name={journey.name}
          readOnly={readOnly}
          viewingVersion={versionView?.number ?? null}
          lifecycle={lifecycle.lifecycle}
          busy={lifecycle.busy}
          canUndo={state.history.past.length > 0}
          canRedo={state.history.future.length > 0}
          saveState={saveState}
          dirty={dirty}
          onUndo={() => dispatch({ kind: "undo" })}
          onRedo={() => dispatch({ kind: "redo" })}
          onTidy={tidy}
          onSave={() => void save()}
          onPublish={lifecycle.openDialog}
          onLifecycle={(action) => void lifecycle.run(action)}
          onOpenVersion={(number) => void openVersion(number)}
          settingsOpen={settingsOpen}
          onToggleSettings={() => setSettingsOpen((open) => !open)}
        />
        {lifecycle.problem && (
          <div className="tf-banner" role="alert">
            <p>{lifecycle.problem}</p>
          </div>
        )}
        {lifecycle.dialog && (
          <PublishDialog
            canCanary={lifecycle.lifecycle.live_version !== null}
            busy={lifecycle.busy}
            problem={lifecycle.dialog.problem}
            onPublish={(percent) => void lifecycle.publish(percent)}
            onClose={lifecycle.closeDialog}
          />
        )}
        {versionView && (
          <VersionBanner
            version={versionView.number}
            diff={versionView.diff}
            onBack={() => setVersionView(null)}
            onFocusNode={focusNode}
          />
        )}
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
        <ResultsBar results={results} />
        <div className="tf-body">
          {/* Problems sit beside the canvas, never above it: they come and go while editing, and
              a list above would move the canvas under the pointer. */}
          {(editable || (!viewing && errors.length > 0)) && (
            <div className="tf-sidebar">
              {editable && <Palette items={items} onAdd={(item) => addItem(item)} />}
              {!viewing && <ErrorList errors={errors} onFocusNode={focusNode} />}
            </div>
          )}
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
              nodes={shown.nodes}
              edges={shown.edges}
              nodeTypes={NODE_TYPES}
              edgeTypes={EDGE_TYPES}
              onNodesChange={onNodesChange}
              onEdgesChange={onEdgesChange}
              onConnect={editable ? onConnect : undefined}
              onDelete={editable ? onDelete : undefined}
              onNodeDragStart={() => {
                dragBase.current = graph;
              }}
              nodesDraggable={editable}
              nodesConnectable={editable}
              deleteKeyCode={editable ? ["Backspace", "Delete"] : null}
              multiSelectionKeyCode={["Shift", "Meta", "Control"]}
              snapToGrid
              snapGrid={[10, 10]}
              defaultViewport={frame.viewport ?? undefined}
              // An empty journey opens at 100%: a queued fitView would fire when the first step is
              // dropped and zoom to 200% around it, away from where the user dropped it.
              fitView={!frame.viewport && opened.graph.nodes.length > 0}
              // A large journey opens at a readable zoom on its first screenful (opening.ts);
              // the minimap and zooming out show the rest.
              fitViewOptions={openingFit}
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
              settings={shown.settings}
              channels={catalog.channels}
              readOnly={!editable}
              onChange={(settings) => {
                if (editable) updateSettings(settings);
              }}
              onClose={() => setSettingsOpen(false)}
            />
          ) : (
            selected.length === 1 && (
              <NodePanel
                key={`${versionView?.number ?? "draft"}:${selected[0].id}`}
                node={selected[0].data.doc}
                onChange={(doc) => {
                  if (editable) updateDoc(selected[0].id, doc);
                }}
                accounts={accounts}
                nodeIds={nodeIds}
              />
            )
          )}
        </div>
      </div>
      </EdgeInsertContext.Provider>
    </EditorContext.Provider>
  );
}

function describeFailure(status: number, body: unknown): string {
  const detail = body && typeof body === "object" && "detail" in body ? String(body.detail) : "";
  return t("Saving failed (%(status)s). %(detail)s", { status, detail });
}

const NO_ERRORS = new Map<string, DocumentError[]>();

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

/** Removals arrive again, all together, in `onDelete`: that is where a deletion is recorded. */
function withoutRemovals<Change extends NodeChange<CanvasNode> | EdgeChange<CanvasEdge>>(changes: Change[]): Change[] {
  return changes.filter((change) => change.type !== "remove");
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
