// Shown while a published version is on the canvas: says so, leads back to the draft (whose
// unsaved edits were never touched), and lists what the draft changed since that version.
import type { DocumentDiff, NodeField } from "./diff";
import { isEmptyDiff } from "./diff";
import { t } from "./i18n";

interface VersionBannerProps {
  version: number;
  diff: DocumentDiff;
  onBack: () => void;
  onFocusNode: (id: string) => void;
}

const FIELD_NAMES: Record<NodeField, () => string> = {
  type: () => t("type"),
  label: () => t("label"),
  config: () => t("settings"),
};

export function VersionBanner({ version, diff, onBack, onFocusNode }: VersionBannerProps) {
  return (
    <section className="tf-banner tf-version-banner" aria-label={t("Version %(number)s (read-only)", { number: version })} data-testid="version-banner">
      <p>
        <strong>{t("Version %(number)s (read-only)", { number: version })}</strong>
      </p>
      <button type="button" className="tf-primary" onClick={onBack}>
        {t("Back to the draft")}
      </button>
      <div className="tf-diff" data-testid="version-diff">
        {isEmptyDiff(diff) ? (
          <p>{t("The draft is the same as this version.")}</p>
        ) : (
          <>
            <p className="tf-help">{t("Changes in the draft since this version:")}</p>
            <ul>
              {diff.added.map((id) => (
                <li key={`a${id}`} className="tf-diff__item tf-diff__item--added" data-diff="added">
                  {t("Added step %(id)s", { id })}
                </li>
              ))}
              {diff.removed.map((id) => (
                <li key={`r${id}`} className="tf-diff__item tf-diff__item--removed" data-diff="removed">
                  <button type="button" onClick={() => onFocusNode(id)}>{t("Removed step %(id)s", { id })}</button>
                </li>
              ))}
              {diff.changed.map(({ id, fields }) => (
                <li key={`c${id}`} className="tf-diff__item tf-diff__item--changed" data-diff="changed">
                  <button type="button" onClick={() => onFocusNode(id)}>
                    {t("Changed step %(id)s (%(fields)s)", { id, fields: fields.map((field) => FIELD_NAMES[field]()).join(", ") })}
                  </button>
                </li>
              ))}
              {diff.edgesAdded.map((id) => (
                <li key={`ea${id}`} className="tf-diff__item tf-diff__item--added" data-diff="edge-added">
                  {t("Added connection %(id)s", { id })}
                </li>
              ))}
              {diff.edgesRemoved.map((id) => (
                <li key={`er${id}`} className="tf-diff__item tf-diff__item--removed" data-diff="edge-removed">
                  {t("Removed connection %(id)s", { id })}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    </section>
  );
}
