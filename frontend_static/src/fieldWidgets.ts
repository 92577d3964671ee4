import type { ComponentType } from "react";
import type { DocNode, Json } from "./document";
export interface WidgetProps<T> { value: T | undefined; onChange: (value: T | undefined) => void; readOnly: boolean; pointer: string; node: DocNode }
export const fieldWidgets: { rule?: ComponentType<WidgetProps<Json>>; template?: ComponentType<WidgetProps<string>> } = {};
