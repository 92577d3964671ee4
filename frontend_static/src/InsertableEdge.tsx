// An edge that shows its port and a "+" button: pressing it offers the steps that can go in the
// middle, and the chosen one is inserted between source and target. Dropping a palette item on
// the button does the same.
import { BaseEdge, EdgeLabelRenderer, type EdgeProps, getBezierPath } from "@xyflow/react";
import { createContext, useContext, useEffect, useRef, useState } from "react";

import { t } from "./i18n";
import type { CanvasEdge } from "./mapper";
import { DRAG_MIME, type PaletteItem } from "./palette";
import "./styles/editing.css";

export interface EdgeInsertValue {
  /** Steps that can be inserted (null when editing is off: then the edge shows only its port). */
  items: PaletteItem[] | null;
  onInsert: (edgeId: string, item: PaletteItem) => void;
  /** Items by key, for drops (the palette drags its key). */
  byKey: (key: string) => PaletteItem | undefined;
}

export const EdgeInsertContext = createContext<EdgeInsertValue>({ items: null, onInsert: () => undefined, byKey: () => undefined });

function InsertableEdgeView(props: EdgeProps<CanvasEdge>) {
  const { id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, markerEnd, style, label, selected } = props;
  const { items, onInsert, byKey } = useContext(EdgeInsertContext);
  const [open, setOpen] = useState(false);
  const [over, setOver] = useState(false);
  const menu = useRef<HTMLDivElement>(null);
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });

  useEffect(() => {
    if (open) menu.current?.querySelector<HTMLButtonElement>("button")?.focus();
  }, [open]);

  const choose = (item: PaletteItem) => {
    setOpen(false);
    onInsert(id, item);
  };

  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} style={style} className={selected ? "tf-edge--selected" : undefined} />
      <EdgeLabelRenderer>
        <div
          className={`tf-edge-label nodrag nopan${over ? " tf-edge-label--drop" : ""}`}
          style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
          data-edge-id={id}
          onDragOver={(event) => {
            if (!items || !event.dataTransfer.types.includes(DRAG_MIME)) return;
            event.preventDefault();
            event.stopPropagation();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={(event) => {
            setOver(false);
            const item = items ? byKey(event.dataTransfer.getData(DRAG_MIME)) : undefined;
            if (!item || !items?.includes(item)) return;
            event.preventDefault();
            event.stopPropagation();
            choose(item);
          }}
        >
          {label ? <span className="tf-edge-label__port">{t(String(label))}</span> : null}
          {items && (
            <button
              type="button"
              className="tf-edge-label__add"
              aria-label={t("Insert a step here")}
              title={t("Insert a step here")}
              aria-expanded={open}
              onClick={() => setOpen((value) => !value)}
            >
              +
            </button>
          )}
          {items && open && (
            <div
              className="tf-edge-menu"
              role="menu"
              ref={menu}
              onKeyDown={(event) => {
                if (event.key === "Escape") {
                  event.stopPropagation();
                  setOpen(false);
                }
              }}
            >
              {items.map((item) => (
                <button key={item.key} type="button" role="menuitem" data-palette-key={item.key} onClick={() => choose(item)}>
                  {t(item.title)}
                </button>
              ))}
            </div>
          )}
        </div>
      </EdgeLabelRenderer>
    </>
  );
}

export const InsertableEdge = InsertableEdgeView;
