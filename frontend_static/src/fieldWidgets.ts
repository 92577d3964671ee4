// Extension points of the generated node form. Another part of the canvas registers richer
// editors here (the rule builder, the template field with preview); SchemaForm uses them when
// present and falls back to its JSON editor (rules) or a text input (templates) when not.
import type { ComponentType } from "react";

import type { DocNode, Json } from "./document";

export interface WidgetProps<T> {
  value: T | undefined;
  /** undefined removes the field from the config (an emptied optional field is not saved as ""). */
  onChange: (value: T | undefined) => void;
  readOnly: boolean;
  /** The field's accessible name. The form's <label> wraps the whole widget, buttons included,
   * so a widget names its main input with this (aria-label) or the name picks up button texts. */
  label: string;
  /** JSON pointer of the field inside the node, such as /config/cases/0/rule. */
  pointer: string;
  node: DocNode;
}

export const fieldWidgets: {
  rule?: ComponentType<WidgetProps<Json>>;
  template?: ComponentType<WidgetProps<string>>;
} = {};
