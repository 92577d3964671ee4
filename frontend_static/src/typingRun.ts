// Which run of typing a change belongs to, so the editor can make one undo step of it
// (editorState.ts): the text field that has the focus, for as long as it keeps the focus.

/** Input types a person types into; a checkbox, a select or a button changes in one go. */
const TYPED_INPUTS = new Set(["text", "search", "number", "url", "email", "tel"]);

/** Counts focus moves: a field left and typed in again starts a new run. */
let focusMoves = 0;
let watching = false;

/** The run a change made now belongs to, within `scope` (the node or panel being edited), or
 * undefined when it does not come from typing (a select, a button, the canvas). */
export function typingRun(scope: string, focused: Element | null = document.activeElement): string | undefined {
  if (!watching) {
    document.addEventListener("focusin", () => {
      focusMoves += 1;
    });
    watching = true;
  }
  return isTextEntry(focused) ? `${scope}\u0000${focusMoves}` : undefined;
}

function isTextEntry(element: Element | null): boolean {
  if (element instanceof HTMLTextAreaElement) return true;
  if (element instanceof HTMLInputElement) return TYPED_INPUTS.has(element.type);
  return element instanceof HTMLElement && element.isContentEditable;
}
