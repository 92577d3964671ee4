// A template string (JOURNEY_FORMAT.md "Templates") with an "Insert variable" menu that puts
// `{{ … }}` at the cursor: contact fields, the workspace's attributes, and the properties of the
// event that starts the journey, so nobody has to remember the exact Jinja paths.
import { useEffect, useId, useRef, useState } from "react";

import { useEditorContext } from "./editorContext";
import type { WidgetProps } from "./fieldWidgets";
import { marked, t } from "./i18n";
import "./styles/rules.css";
import { type VariableGroup, entryEvent, insertVariable, templateVariables } from "./templateVariables";
import { useWorkspaceNames } from "./workspaceNames";

const GROUP_TITLES: Record<VariableGroup, string> = {
  contact: marked("Contact"),
  attributes: marked("Contact attributes"),
  event: marked("Entry event properties"),
};

export function TemplateField({ value, onChange, readOnly, label }: WidgetProps<string>) {
  const { api, getDocument } = useEditorContext();
  const names = useWorkspaceNames(api);
  const area = useRef<HTMLTextAreaElement>(null);
  const menuId = useId();
  const [open, setOpen] = useState(false);
  const pendingCursor = useRef<number | null>(null);
  const text = value ?? "";

  useEffect(() => {
    const cursor = pendingCursor.current;
    if (cursor === null || !area.current) return;
    pendingCursor.current = null;
    area.current.focus();
    area.current.setSelectionRange(cursor, cursor);
  }, [text]);

  const insert = (expression: string) => {
    const element = area.current;
    const start = element?.selectionStart ?? text.length;
    const end = element?.selectionEnd ?? text.length;
    const next = insertVariable(text, start, end, expression);
    pendingCursor.current = next.cursor;
    setOpen(false);
    onChange(next.text);
  };

  const variables = open ? templateVariables(names, entryEvent(getDocument())) : [];
  const groups = (Object.keys(GROUP_TITLES) as VariableGroup[])
    .map((group) => ({ group, items: variables.filter((variable) => variable.group === group) }))
    .filter(({ items }) => items.length > 0);

  return (
    <span className="tf-template">
      <textarea
        ref={area}
        aria-label={label}
        value={text}
        rows={text.includes("\n") || text.length > 60 ? 4 : 1}
        readOnly={readOnly}
        onChange={(event) => onChange(event.target.value === "" ? undefined : event.target.value)}
      />
      {!readOnly && (
        <button
          type="button"
          aria-expanded={open}
          aria-controls={menuId}
          // Each template field has this button: the name says which field it inserts into.
          aria-label={t("Insert variable into %(field)s", { field: label })}
          onClick={() => setOpen((shown) => !shown)}
        >
          {t("Insert variable")}
        </button>
      )}
      {open && (
        <div
          id={menuId}
          className="tf-template__menu"
          role="group"
          aria-label={t("Variables")}
          onKeyDown={(event) => {
            if (event.key === "Escape") {
              setOpen(false);
              area.current?.focus();
            }
          }}
        >
          {groups.map(({ group, items }) => (
            <div key={group}>
              <h3>{t(GROUP_TITLES[group])}</h3>
              {items.map((variable) => (
                <button key={variable.expression} type="button" onClick={() => insert(variable.expression)}>
                  {variable.expression}
                </button>
              ))}
            </div>
          ))}
        </div>
      )}
    </span>
  );
}
