// Publishing: now for everyone, or as a canary that gets a share (1–99 %) of new entrants until
// promoted. The editor saves a dirty draft first, because publishing freezes the stored draft.
import { type FormEvent, useEffect, useRef, useState } from "react";

import { t } from "./i18n";
import { parsePercent } from "./lifecycle";

interface PublishDialogProps {
  /** A canary needs a live version to compare with. */
  canCanary: boolean;
  busy: boolean;
  problem: string;
  onPublish: (canaryPercent: number | null) => void;
  onClose: () => void;
}

export function PublishDialog({ canCanary, busy, problem, onPublish, onClose }: PublishDialogProps) {
  const [mode, setMode] = useState<"now" | "canary">("now");
  const [percent, setPercent] = useState("10");
  const dialog = useRef<HTMLDialogElement>(null);
  const first = useRef<HTMLInputElement>(null);
  const parsed = parsePercent(percent);
  const invalid = mode === "canary" && parsed === null;

  // A modal <dialog>: the browser keeps focus inside it, makes the page behind inert and
  // turns Escape into `cancel`, which closes it like the Cancel button.
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    first.current?.focus();
    return () => element?.close();
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!invalid) onPublish(mode === "canary" ? parsed : null);
  };

  return (
    <dialog
      ref={dialog}
      className="tf-dialog"
      aria-labelledby="tf-publish-title"
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <form onSubmit={submit}>
        <h2 id="tf-publish-title">{t("Publish this journey")}</h2>
        <label className="tf-choice">
          <input ref={first} type="radio" name="mode" checked={mode === "now"} onChange={() => setMode("now")} />
          {t("Publish now for everyone")}
        </label>
        <label className="tf-choice">
          <input type="radio" name="mode" checked={mode === "canary"} disabled={!canCanary} onChange={() => setMode("canary")} />
          {t("Publish as a canary")}
        </label>
        {!canCanary && <p className="tf-help">{t("A canary needs a live version to compare with; publish first.")}</p>}
        {mode === "canary" && (
          <label className="tf-field">
            <span>{t("Share of new entrants (1–99 %)")}</span>
            <input
              type="number"
              min={1}
              max={99}
              step={1}
              value={percent}
              aria-invalid={invalid}
              onChange={(event) => setPercent(event.target.value)}
            />
            {invalid && <span className="tf-field__error">{t("Enter a whole number from 1 to 99.")}</span>}
          </label>
        )}
        {problem && <p className="tf-field__error" role="alert">{problem}</p>}
        <div className="tf-dialog__actions">
          <button type="submit" className="tf-primary" disabled={busy || invalid}>
            {busy ? t("Publishing…") : t("Publish")}
          </button>
          <button type="button" onClick={onClose}>
            {t("Cancel")}
          </button>
        </div>
      </form>
    </dialog>
  );
}
