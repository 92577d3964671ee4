// The side panel for the selected node: its label and notes, its configuration as a form generated
// from the node type's schema, and the raw JSON (collapsed) for power users.
import { useMemo } from "react";

import type { ChannelAccount } from "./channelAccounts";
import { nodeType } from "./catalog";
import type { DocNode, JsonObject } from "./document";
import { isObject } from "./document";
import { useEditorContext } from "./editorContext";
import { t } from "./i18n";
import { JsonText } from "./JsonText";
import { PreviewPanel } from "./PreviewPanel";
import { SchemaForm } from "./SchemaForm";
import { messagesByPointer } from "./formModel";

interface NodePanelProps {
  node: DocNode;
  onChange: (node: DocNode) => void;
  /** The workspace's channel accounts (null until known), for send nodes. */
  accounts: ChannelAccount[] | null;
  /** The journey's node ids by type, for fields naming another node. */
  nodeIds: Record<string, string[]>;
}

export function NodePanel({ node, onChange, accounts, nodeIds }: NodePanelProps) {
  const { catalog, readOnly, errorsByNode, api, journeyId, getDocument } = useEditorContext();
  const type = nodeType(catalog, node.type);
  const errors = errorsByNode.get(node.id) ?? [];
  const messages = useMemo(() => messagesByPointer(errors), [errors]);
  return (
    <aside className="tf-panel" aria-label={t("Step settings")}>
      <h2>{type ? t(type.title) : node.type}</h2>
      {type && <p className="tf-help">{t(type.description)}</p>}
      <p className="tf-panel__id">
        {t("Id")}: <code>{node.id}</code>
      </p>
      {errors.length > 0 && (
        <ul className="tf-panel__errors">
          {errors.map((error) => (
            <li key={`${error.code}${error.path}`}>
              <code>{error.path}</code> {error.message}
            </li>
          ))}
        </ul>
      )}
      <label className="tf-field">
        <span>{t("Label")}</span>
        <input
          value={node.label ?? ""}
          readOnly={readOnly}
          onChange={(event) => onChange(withText(node, "label", event.target.value))}
        />
      </label>
      <label className="tf-field">
        <span>{t("Notes")}</span>
        <textarea
          value={node.notes ?? ""}
          rows={2}
          readOnly={readOnly}
          onChange={(event) => onChange(withText(node, "notes", event.target.value))}
        />
      </label>
      {type && node.type !== "exit" && (
        <SchemaForm
          node={node}
          schema={type.config_schema}
          channels={catalog.channels}
          accounts={accounts}
          nodeIds={nodeIds}
          errors={messages}
          readOnly={readOnly}
          onChange={(config) => onChange({ ...node, config })}
        />
      )}
      {node.type !== "exit" && (
        <ConfigJson
          open={!type}
          config={isObject(node.config) ? node.config : {}}
          readOnly={readOnly}
          onChange={(config) => onChange({ ...node, config })}
        />
      )}
      {/* Live preview (PreviewPanel.tsx), for the nodes the server renders. */}
      {(node.type === "send" || node.type === "webhook") && (
        <PreviewPanel api={api} journeyId={journeyId} node={node} document={getDocument()} />
      )}
    </aside>
  );
}

function withText(node: DocNode, field: "label" | "notes", value: string): DocNode {
  const next = { ...node };
  if (value) next[field] = value;
  else delete next[field];
  return next;
}

interface ConfigJsonProps {
  /** Open when there is no form (an unknown node type); otherwise the form comes first. */
  open: boolean;
  config: JsonObject;
  readOnly: boolean;
  onChange: (config: JsonObject) => void;
}

/** The whole configuration as JSON, applied when it parses to an object. */
function ConfigJson({ open, config, readOnly, onChange }: ConfigJsonProps) {
  return (
    <details className="tf-json tf-json--advanced" open={open}>
      <summary>{t("Advanced (JSON)")}</summary>
      <JsonText
        value={config}
        label={t("Configuration (JSON)")}
        readOnly={readOnly}
        check={(value) => {
          if (!isObject(value)) throw new Error(t("The configuration must be a JSON object."));
        }}
        onApply={(value) => onChange(value as JsonObject)}
      />
    </details>
  );
}
