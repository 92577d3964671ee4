// Validation problems, beside the canvas: graph-level ones at the top, node ones as a list whose
// items focus the node.
import { t } from "./i18n";
import type { DocumentError } from "./journey";

interface ErrorListProps {
  errors: DocumentError[];
  onFocusNode: (id: string) => void;
}

export function ErrorList({ errors, onFocusNode }: ErrorListProps) {
  if (!errors.length) return null;
  const graphErrors = errors.filter((error) => !error.node_id);
  const nodeErrors = errors.filter((error) => error.node_id);
  return (
    <section className="tf-errors" aria-label={t("Problems")} data-testid="problems">
      <h2>
        {t("Problems")} <span className="tf-errors__count">{errors.length}</span>
      </h2>
      {graphErrors.map((error) => (
        <p key={`${error.code}${error.path}${error.message}`} className="tf-errors__graph" data-code={error.code}>
          {error.message}
        </p>
      ))}
      {nodeErrors.length > 0 && (
        <ul>
          {nodeErrors.map((error) => (
            <li key={`${error.node_id}${error.code}${error.path}${error.message}`} data-code={error.code}>
              <button type="button" onClick={() => onFocusNode(error.node_id as string)}>
                <strong>{error.node_id}</strong> {error.message}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
