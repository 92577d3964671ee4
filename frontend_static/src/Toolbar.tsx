// The editor's header: journey name, lifecycle (status, live and canary versions, publish, pause,
// resume, promote), version picker, editing buttons (undo, redo, auto-layout, save) and save state.
import type { Api } from "./api";
import { t } from "./i18n";
import type { SaveConflict } from "./journey";
import { availableActions, type JourneyLifecycle, type LifecycleAction } from "./lifecycle";
import { VersionPicker } from "./VersionPicker";
import "./styles/editing.css";

export type SaveState =
  | { kind: "idle" }
  | { kind: "saving" }
  | { kind: "saved" }
  | { kind: "conflict"; conflict: SaveConflict }
  | { kind: "failed"; message: string };

interface ToolbarProps {
  api: Api;
  journeyId: number;
  name: string;
  /** The user may not edit (viewer role). */
  readOnly: boolean;
  /** A version is on the canvas instead of the draft. */
  viewingVersion: number | null;
  lifecycle: JourneyLifecycle;
  busy: boolean;
  canUndo: boolean;
  canRedo: boolean;
  saveState: SaveState;
  dirty: boolean;
  onUndo: () => void;
  onRedo: () => void;
  onTidy: () => void;
  onSave: () => void;
  onPublish: () => void;
  onLifecycle: (action: LifecycleAction) => void;
  onOpenVersion: (version: number) => void;
  settingsOpen: boolean;
  onToggleSettings: () => void;
}

export function Toolbar(props: ToolbarProps) {
  const { lifecycle, readOnly, busy, viewingVersion } = props;
  const actions = availableActions(lifecycle);
  const editing = !readOnly && viewingVersion === null;
  return (
    <header className="tf-toolbar" aria-label={t("Journey")}>
      <h1>{props.name}</h1>
      <span className="tf-status" data-testid="journey-status" data-status={lifecycle.status}>
        {t(lifecycle.status)}
      </span>
      {lifecycle.live_version !== null && (
        <span className="tf-version-tag" data-testid="live-version">
          {t("Live: v%(version)s", { version: lifecycle.live_version })}
        </span>
      )}
      {lifecycle.canary && (
        <span className="tf-version-tag tf-version-tag--canary" data-testid="canary-version">
          {t("Canary: v%(version)s for %(share)s of new entrants", {
            version: lifecycle.canary.version,
            share: `${lifecycle.canary.percent}%`,
          })}
        </span>
      )}
      <button type="button" aria-pressed={props.settingsOpen} onClick={props.onToggleSettings}>
        {t("Journey settings")}
      </button>
      {editing && (
        <>
          <button type="button" onClick={props.onUndo} disabled={!props.canUndo}>
            {t("Undo")}
          </button>
          <button type="button" onClick={props.onRedo} disabled={!props.canRedo}>
            {t("Redo")}
          </button>
          <button type="button" onClick={props.onTidy}>
            {t("Auto-layout")}
          </button>
          <button type="button" className="tf-primary" onClick={props.onSave} disabled={props.saveState.kind === "saving"}>
            {t("Save")}
          </button>
        </>
      )}
      {!readOnly && (
        <span className="tf-toolbar__group" role="group" aria-label={t("Lifecycle")}>
          {actions.publish && (
            <button type="button" onClick={props.onPublish} disabled={busy}>
              {t("Publish…")}
            </button>
          )}
          {actions.pause && (
            <button type="button" onClick={() => props.onLifecycle("pause")} disabled={busy}>
              {t("Pause")}
            </button>
          )}
          {actions.resume && (
            <button type="button" onClick={() => props.onLifecycle("resume")} disabled={busy}>
              {t("Resume")}
            </button>
          )}
          {actions.promote && (
            <button type="button" onClick={() => props.onLifecycle("promote")} disabled={busy}>
              {t("Promote canary")}
            </button>
          )}
        </span>
      )}
      <VersionPicker
        api={props.api}
        journeyId={props.journeyId}
        latest={lifecycle.latest_version}
        current={viewingVersion}
        onOpen={props.onOpenVersion}
      />
      {readOnly && <span className="tf-readonly">{t("Read only")}</span>}
      <SaveStatus state={props.saveState} dirty={props.dirty} />
    </header>
  );
}

function SaveStatus({ state, dirty }: { state: SaveState; dirty: boolean }) {
  let text = dirty ? t("Unsaved changes") : t("All changes saved");
  if (state.kind === "saving") text = t("Saving…");
  if (state.kind === "failed") text = state.message;
  return (
    <span className="tf-save-status" role="status" aria-live="polite" data-testid="save-status">
      {text}
    </span>
  );
}
