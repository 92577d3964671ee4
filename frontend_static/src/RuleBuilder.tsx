// The visual rule builder (JOURNEY_FORMAT.md "Rules"): nestable all/any/not groups over attribute,
// tag, event, message and segment conditions. It edits a model (rules.ts) and writes back JSON;
// a sub-rule the builder cannot represent is shown as JSON and left exactly as it was.
import { useId, useMemo } from "react";

import type { Json } from "./document";
import { useEditorContext } from "./editorContext";
import type { WidgetProps } from "./fieldWidgets";
import { marked, t } from "./i18n";
import { JsonText } from "./JsonText";
import { type RuleKind, type RuleModel, newRule, parseRule, replaceChild, ruleToJson } from "./rules";
import { AttributeLeaf, EventLeaf, MessageLeaf, SegmentLeaf, type SuggestionLists, TagLeaf } from "./RuleLeaves";
import "./styles/rules.css";
import { useWorkspaceNames } from "./workspaceNames";

type NewKind = Exclude<RuleKind, "raw">;

const ADDABLE: [NewKind, string][] = [
  ["attr", marked("Attribute or field")],
  ["tag", marked("Tag")],
  ["event", marked("Event")],
  ["message", marked("Message engagement")],
  ["segment", marked("Segment")],
  ["all", marked("Group: all of")],
  ["any", marked("Group: any of")],
  ["not", marked("Group: none of")],
];

interface EditorProps {
  model: RuleModel;
  onChange: (model: RuleModel) => void;
  /** Removes this rule from its parent (at the root: clears the rule). */
  onRemove: () => void;
  readOnly: boolean;
  lists: SuggestionLists;
}

export function RuleBuilder({ value, onChange, readOnly }: WidgetProps<Json>) {
  const { api, getDocument } = useEditorContext();
  const names = useWorkspaceNames(api);
  const base = useId();
  const lists: SuggestionLists = {
    names,
    attributes: `${base}-attributes`,
    events: `${base}-events`,
    tags: `${base}-tags`,
    segments: `${base}-segments`,
    sendNodes: `${base}-send-nodes`,
  };
  const model = useMemo(() => (value === undefined ? null : parseRule(value)), [value]);
  const sendNodes = getDocument()
    .nodes.filter((node) => node.type === "send")
    .map((node) => ({ id: node.id, label: node.label ?? "" }));
  return (
    <div className="tf-rule" role="group" aria-label={t("Rule")}>
      <datalist id={lists.attributes}>
        {uniqueSorted([...names.fields, ...names.attributes]).map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
      <datalist id={lists.events}>
        {names.events.map((event) => (
          <option key={event.name} value={event.name} />
        ))}
      </datalist>
      <datalist id={lists.tags}>
        {names.tags.map((tag) => (
          <option key={tag} value={tag} />
        ))}
      </datalist>
      <datalist id={lists.segments}>
        {names.segments.map((segment) => (
          <option key={segment.key} value={segment.key} label={segment.name} />
        ))}
      </datalist>
      <datalist id={lists.sendNodes}>
        {sendNodes.map((node) => (
          <option key={node.id} value={node.id} label={node.label} />
        ))}
      </datalist>
      {model === null ? (
        readOnly ? (
          <p className="tf-help">{t("No rule.")}</p>
        ) : (
          <AddRule label={t("Start the rule with…")} onAdd={(kind) => onChange(ruleToJson(newRule(kind)))} />
        )
      ) : (
        <RuleEditor
          model={model}
          onChange={(next) => onChange(ruleToJson(next))}
          onRemove={() => onChange(undefined)}
          readOnly={readOnly}
          lists={lists}
        />
      )}
    </div>
  );
}

function uniqueSorted(names: string[]): string[] {
  return [...new Set(names)].sort();
}

function RuleEditor(props: EditorProps) {
  const { model } = props;
  switch (model.kind) {
    case "all":
    case "any":
      return <GroupEditor {...props} model={model} />;
    case "not":
      return <NotEditor {...props} model={model} />;
    case "raw":
      return <RawEditor {...props} model={model} />;
    default:
      return <LeafEditor {...props} />;
  }
}

function GroupEditor({ model, onChange, onRemove, readOnly, lists }: EditorProps & { model: Extract<RuleModel, { kind: "all" | "any" }> }) {
  return (
    <fieldset className="tf-rule__group">
      <legend>
        <select
          aria-label={t("Group")}
          value={model.kind}
          disabled={readOnly}
          onChange={(event) => onChange({ ...model, kind: event.target.value as "all" | "any" })}
        >
          <option value="all">{t("All of these are true")}</option>
          <option value="any">{t("Any of these is true")}</option>
        </select>
        <RuleActions model={model} onChange={onChange} onRemove={onRemove} readOnly={readOnly} />
      </legend>
      {model.rules.length === 0 && <p className="tf-help">{t("An empty group: add a condition.")}</p>}
      {model.rules.map((child, index) => (
        <RuleEditor
          key={index}
          model={child}
          onChange={(next) => onChange({ ...model, rules: replaceChild(model.rules, index, next) })}
          onRemove={() => onChange({ ...model, rules: replaceChild(model.rules, index, null) })}
          readOnly={readOnly}
          lists={lists}
        />
      ))}
      {!readOnly && <AddRule label={t("Add…")} onAdd={(kind) => onChange({ ...model, rules: [...model.rules, newRule(kind)] })} />}
    </fieldset>
  );
}

function NotEditor({ model, onChange, onRemove, readOnly, lists }: EditorProps & { model: Extract<RuleModel, { kind: "not" }> }) {
  return (
    <fieldset className="tf-rule__group tf-rule__group--not">
      <legend>
        <span className="tf-rule__kind">{t("Not")}</span>
        {!readOnly && (
          <button type="button" onClick={() => onChange(model.rule)}>
            {t("Remove “not”")}
          </button>
        )}
        {!readOnly && (
          <button type="button" aria-label={t("Remove condition")} onClick={onRemove}>
            ×
          </button>
        )}
      </legend>
      <RuleEditor model={model.rule} onChange={(rule) => onChange({ ...model, rule })} onRemove={onRemove} readOnly={readOnly} lists={lists} />
    </fieldset>
  );
}

function LeafEditor({ model, onChange, onRemove, readOnly, lists }: EditorProps) {
  const leaf = { onChange, readOnly, lists };
  return (
    <div className="tf-rule__leaf">
      {model.kind === "attr" && <AttributeLeaf model={model} {...leaf} />}
      {model.kind === "tag" && <TagLeaf model={model} {...leaf} />}
      {model.kind === "event" && <EventLeaf model={model} {...leaf} />}
      {model.kind === "message" && <MessageLeaf model={model} {...leaf} />}
      {model.kind === "segment" && <SegmentLeaf model={model} {...leaf} />}
      <RuleActions model={model} onChange={onChange} onRemove={onRemove} readOnly={readOnly} />
    </div>
  );
}

/** Negate and remove, shared by leaves and groups. */
function RuleActions({ model, onChange, onRemove, readOnly }: Omit<EditorProps, "lists">) {
  if (readOnly) return null;
  return (
    <span className="tf-rule__actions">
      <button type="button" onClick={() => onChange({ kind: "not", rule: model })}>
        {t("Negate")}
      </button>
      <button type="button" aria-label={t("Remove condition")} onClick={onRemove}>
        ×
      </button>
    </span>
  );
}

/** A sub-rule the builder cannot show, as JSON: applied only when the user edits it and it parses. */
function RawEditor({ model, onChange, onRemove, readOnly }: EditorProps & { model: Extract<RuleModel, { kind: "raw" }> }) {
  return (
    <div className="tf-rule__leaf tf-rule__raw">
      <span className="tf-help">{t("The builder cannot show this condition; edit it as JSON.")}</span>
      <JsonText
        value={model.json}
        label={t("Condition (JSON)")}
        readOnly={readOnly}
        rows={(text) => Math.min(8, text.split("\n").length)}
        onApply={(value) => onChange(parseRule(value as Json))}
      />
      {!readOnly && (
        <button type="button" aria-label={t("Remove condition")} onClick={onRemove}>
          ×
        </button>
      )}
    </div>
  );
}

function AddRule({ label, onAdd }: { label: string; onAdd: (kind: NewKind) => void }) {
  return (
    <select
      className="tf-rule__add"
      aria-label={label}
      value=""
      onChange={(event) => {
        if (event.target.value) onAdd(event.target.value as NewKind);
      }}
    >
      <option value="">{label}</option>
      {ADDABLE.map(([kind, title]) => (
        <option key={kind} value={kind}>
          {t(title)}
        </option>
      ))}
    </select>
  );
}
