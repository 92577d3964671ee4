// How one journey node looks: its type (and channel), label, a one-line summary, validation
// badge, and one labelled source handle per port, in the order the ports are listed.
import { Handle, type NodeProps, Position } from "@xyflow/react";
import { memo } from "react";

import { isOptionalPort, portsOf } from "./catalog";
import { useEditorContext } from "./editorContext";
import { t } from "./i18n";
import type { CanvasNode } from "./mapper";
import { NodeFigures } from "./NodeFigures";
import { nodeSummary, nodeTitle } from "./nodeSummary";

function JourneyNodeView({ id, data, selected }: NodeProps<CanvasNode>) {
  const { catalog, errorsByNode } = useEditorContext();
  const node = data.doc;
  const ports = portsOf(catalog, node);
  const errors = errorsByNode.get(id) ?? [];
  const summary = nodeSummary(node);
  const classes = ["tf-node", `tf-node--${node.type}`];
  if (selected) classes.push("tf-node--selected");
  if (errors.length) classes.push("tf-node--invalid");
  return (
    <div className={classes.join(" ")} data-node-type={node.type}>
      {node.type !== "entry" && <Handle type="target" position={Position.Top} id="in" />}
      <div className="tf-node__type">{nodeTitle(catalog, node)}</div>
      <div className="tf-node__label">{node.label || id}</div>
      {summary && <div className="tf-node__summary">{summary}</div>}
      <NodeFigures id={id} ports={ports} />
      {node.notes && <div className="tf-node__notes" title={node.notes}>✎</div>}
      {errors.length > 0 && (
        <div className="tf-node__badge" role="status" title={errors.map((error) => error.message).join("\n")}>
          {errors.length === 1 ? t("1 problem") : t("%(count)s problems", { count: errors.length })}
        </div>
      )}
      <div className="tf-node__ports">
        {ports.map((port, index) => (
          <div
            key={port}
            className={isOptionalPort(catalog, node, port) ? "tf-port tf-port--optional" : "tf-port"}
            style={{ left: `${((index + 1) / (ports.length + 1)) * 100}%` }}
          >
            <span className="tf-port__label">{t(port)}</span>
            <Handle type="source" position={Position.Bottom} id={port} />
          </div>
        ))}
      </div>
    </div>
  );
}

export const JourneyNode = memo(JourneyNodeView);
