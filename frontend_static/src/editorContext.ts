// What every node on the canvas needs besides its own data, shared without prop drilling.
import { createContext, useContext } from "react";

import type { Api } from "./api";
import type { Catalog } from "./catalog";
import type { JourneyDocument } from "./document";
import type { DocumentError } from "./journey";
import type { FiguresByNode } from "./stats";
import type { FiguresSource } from "./useResults";

export interface EditorContextValue {
  catalog: Catalog;
  readOnly: boolean;
  /** Validation errors by node id. */
  errorsByNode: Map<string, DocumentError[]>;
  /** For panels that ask the API about the draft (preview) or offer names from it. */
  api: Api;
  journeyId: number;
  /** The document the canvas would save now; stable, so it never re-renders the nodes. */
  getDocument: () => JourneyDocument;
  /** Results drawn on the nodes (NodeFigures), null when hidden; `figuresSource` says whose. */
  figuresByNode: FiguresByNode | null;
  figuresSource: FiguresSource;
}

export const EditorContext = createContext<EditorContextValue | null>(null);

export function useEditorContext(): EditorContextValue {
  const value = useContext(EditorContext);
  if (!value) throw new Error("EditorContext is missing: render nodes inside <Editor>.");
  return value;
}
