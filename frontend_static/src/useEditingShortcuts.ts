// Clipboard and selection keys: Ctrl/Cmd+C copies the selected steps, Ctrl/Cmd+V pastes the
// last copy (from any journey of this browser), Ctrl/Cmd+D duplicates, Escape clears the
// selection. None of them act while the user is typing in a field.
import { useEffect } from "react";

import { copySelection, duplicateSelection, loadClipboard, pasteInto, storeClipboard } from "./clipboard";
import type { EditorAction, Graph } from "./editorState";

export interface EditingShortcutOptions {
  /** The graph on the canvas now (a version can be copied from, too). */
  graph: Graph;
  /** Whether pasting and duplicating (each one undo step) are allowed. */
  canEdit: boolean;
  dispatch: (action: EditorAction) => void;
  onClearSelection: () => void;
  isTyping: (target: EventTarget | null) => boolean;
}

export function useEditingShortcuts(options: EditingShortcutOptions) {
  const { graph, canEdit, dispatch, onClearSelection, isTyping } = options;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isTyping(event.target) || event.altKey) return;
      if (event.key === "Escape") {
        onClearSelection();
        return;
      }
      if (!(event.ctrlKey || event.metaKey) || event.shiftKey) return;
      const key = event.key.toLowerCase();
      if (key === "c") {
        const payload = copySelection(graph);
        if (!payload || hasTextSelection()) return;
        event.preventDefault();
        storeClipboard(payload);
      } else if (key === "v" && canEdit) {
        const payload = loadClipboard();
        if (!payload) return;
        event.preventDefault();
        dispatch({ kind: "change", update: (current) => pasteInto(current, payload) });
      } else if (key === "d" && canEdit) {
        event.preventDefault();
        dispatch({ kind: "change", update: duplicateSelection });
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [graph, canEdit, dispatch, onClearSelection, isTyping]);
}

/** Text the user selected on the page (an error message, say) is theirs to copy. */
function hasTextSelection(): boolean {
  const selection = window.getSelection();
  return Boolean(selection && !selection.isCollapsed && selection.toString().trim());
}
