// The results a node shows (live stats or a simulation, see useResults.ts): its figures under the
// summary, and beside each port's handle how many took that port (with the share on a split).
// JourneyNode renders it with the ports it draws, so the counts line up with the handles.
import { useEditorContext } from "./editorContext";
import { t } from "./i18n";
import { percent } from "./stats";
import "./styles/results.css";

interface NodeFiguresProps {
  id: string;
  ports: string[];
}

export function NodeFigures({ id, ports }: NodeFiguresProps) {
  const { figuresByNode, figuresSource } = useEditorContext();
  const shown = figuresByNode?.get(id);
  if (!shown) return null;
  const caption = figuresSource === "simulation" ? t("Simulated") : t("Live");
  return (
    <>
      <dl className={`tf-figures tf-figures--${figuresSource}`} data-testid="node-figures" data-source={figuresSource} title={caption}>
        {shown.figures.map((figure) => (
          <div key={figure.key} className={`tf-figure tf-figure--${figure.key}${figure.value ? "" : " tf-figure--zero"}`} data-figure={figure.key}>
            <dt>{t(figure.label)}</dt>
            <dd>{figure.value.toLocaleString()}</dd>
          </div>
        ))}
      </dl>
      <div className="tf-port-figures">
        {ports.map((port, index) => {
          const figure = shown.ports[port];
          if (!figure) return null;
          const text = figure.share === null ? figure.count.toLocaleString() : `${figure.count.toLocaleString()} · ${percent(figure.share)}`;
          return (
            <span
              key={port}
              className="tf-port-figure"
              data-port={port}
              title={t("%(count)s took %(port)s", { count: figure.count, port })}
              style={{ left: `${((index + 1) / (ports.length + 1)) * 100}%` }}
            >
              {text}
            </span>
          );
        })}
      </div>
    </>
  );
}
