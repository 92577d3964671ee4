// Journey-wide settings (JOURNEY_FORMAT.md `settings`): re-entry, goal, exit events, quiet hours
// and the frequency cap. Edits go through the editor's undo history like node edits. Emptied
// groups are removed (a goal without event and period is no goal), and keys this panel does not
// know stay in the document, editable as JSON.
import type { ChannelInfo } from "./catalog";
import { type Json, type JsonObject, isObject } from "./document";
import { DurationInput, FieldFrame, FieldGroup, JsonInput, StringListInput, TimeInput } from "./formFields";
import { t } from "./i18n";
import { isEmpty, withField } from "./formModel";

const KNOWN = ["reentry", "reentry_after", "goal", "exit_on", "quiet_hours", "frequency_cap"];

interface SettingsPanelProps {
  settings: JsonObject | undefined;
  channels: ChannelInfo[];
  readOnly: boolean;
  onChange: (settings: JsonObject | undefined) => void;
  onClose: () => void;
}

export function SettingsPanel({ settings, channels, readOnly, onChange, onClose }: SettingsPanelProps) {
  const current = settings ?? {};
  const set = (key: string, value: Json | undefined) => {
    const next = withField(current, key, isEmpty(value) ? undefined : value);
    onChange(Object.keys(next).length ? next : undefined);
  };
  const group = (key: string) => (isObject(current[key]) ? (current[key] as JsonObject) : {});
  const setIn = (key: string, field: string, value: Json | undefined) => set(key, withField(group(key), field, value));
  const text = (value: Json | undefined) => (typeof value === "string" ? value : undefined);
  const reentry = text(current.reentry);
  const goal = group("goal");
  const quiet = group("quiet_hours");
  const cap = group("frequency_cap");
  const unknown = Object.keys(current).filter((key) => !KNOWN.includes(key));
  return (
    <aside className="tf-panel tf-settings" aria-label={t("Journey settings")}>
      <h2>{t("Journey settings")}</h2>
      <button type="button" onClick={onClose}>
        {t("Close")}
      </button>
      <FieldFrame
        label={t("Re-entry")}
        help={t("never: a contact enters once; always: several live enrollments are allowed; after: again once the delay has passed since the previous entry.")}
      >
        <select aria-label={t("Re-entry")} value={reentry ?? ""} disabled={readOnly} onChange={(event) => set("reentry", event.target.value || undefined)}>
          <option value="">{t("Default (%(value)s)", { value: t("never") })}</option>
          <option value="never">{t("never")}</option>
          <option value="always">{t("always")}</option>
          <option value="after">{t("after a delay")}</option>
        </select>
      </FieldFrame>
      {(reentry === "after" || current.reentry_after !== undefined) && (
        <FieldGroup label={t("Re-entry after")} required={reentry === "after"} help={t("How long after the previous entry a contact may enter again.")}>
          <DurationInput value={text(current.reentry_after)} onChange={(value) => set("reentry_after", value)} readOnly={readOnly} label={t("Re-entry after")} />
        </FieldGroup>
      )}
      <FieldGroup label={t("Goal")} help={t("An event within a time after entry that counts the enrollment as converted.")}>
        <FieldFrame label={t("Goal event")}>
          <input aria-label={t("Goal event")} value={text(goal.event) ?? ""} readOnly={readOnly} disabled={readOnly} onChange={(event) => setIn("goal", "event", event.target.value || undefined)} />
        </FieldFrame>
        <FieldGroup label={t("Within")}>
          <DurationInput value={text(goal.within)} onChange={(value) => setIn("goal", "within", value)} readOnly={readOnly} label={t("Within")} />
        </FieldGroup>
      </FieldGroup>
      <FieldGroup label={t("Exit on")} help={t("Events that end all of the contact's live enrollments in this journey.")}>
        <StringListInput value={current.exit_on} onChange={(value) => set("exit_on", value)} readOnly={readOnly} label={t("Exit on")} />
      </FieldGroup>
      <FieldGroup label={t("Quiet hours")} help={t("Local hours when marketing sends wait; overrides the workspace default.")}>
        <FieldFrame label={t("Start")}>
          <TimeInput value={text(quiet.start)} onChange={(value) => setIn("quiet_hours", "start", value)} readOnly={readOnly} label={t("Quiet hours start")} />
        </FieldFrame>
        <FieldFrame label={t("End")}>
          <TimeInput value={text(quiet.end)} onChange={(value) => setIn("quiet_hours", "end", value)} readOnly={readOnly} label={t("Quiet hours end")} />
        </FieldFrame>
      </FieldGroup>
      <FieldGroup label={t("Frequency cap")} help={t("Limit on marketing messages per contact and channel; overrides the workspace default.")}>
        <FieldFrame label={t("Maximum messages")}>
          <input
            aria-label={t("Maximum messages")}
            type="number"
            min={1}
            step={1}
            value={typeof cap.max === "number" ? cap.max : ""}
            readOnly={readOnly}
            disabled={readOnly}
            onChange={(event) => setIn("frequency_cap", "max", Number.isNaN(event.target.valueAsNumber) ? undefined : event.target.valueAsNumber)}
          />
        </FieldFrame>
        <FieldGroup label={t("Per")}>
          <DurationInput value={text(cap.per)} onChange={(value) => setIn("frequency_cap", "per", value)} readOnly={readOnly} label={t("Per")} />
        </FieldGroup>
        <ChannelChecks value={cap.channels} channels={channels} readOnly={readOnly} onChange={(value) => setIn("frequency_cap", "channels", value)} />
      </FieldGroup>
      {unknown.map((key) => (
        <FieldFrame key={key} label={key} help={t("Not part of this panel; edited as JSON.")}>
          <JsonInput value={current[key]} onChange={(value) => set(key, value)} readOnly={readOnly} label={key} />
        </FieldFrame>
      ))}
    </aside>
  );
}

/** The channels a cap counts, chosen from the channel catalog (unknown stored names stay listed). */
function ChannelChecks({ value, channels, readOnly, onChange }: { value: Json | undefined; channels: ChannelInfo[]; readOnly: boolean; onChange: (value: Json | undefined) => void }) {
  const chosen = Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
  const names = [...channels.map((channel) => channel.name), ...chosen.filter((name) => !channels.some((channel) => channel.name === name))];
  const titleOf = (name: string) => channels.find((channel) => channel.name === name)?.title ?? name;
  const toggle = (name: string, on: boolean) => {
    const next = on ? [...chosen, name] : chosen.filter((other) => other !== name);
    onChange(next.length ? next : undefined);
  };
  return (
    <fieldset className="tf-fieldset">
      <legend>
        <span className="tf-field__label">{t("Channels")}</span>
      </legend>
      <div className="tf-checks">
        {names.map((name) => (
          <label key={name}>
            <input type="checkbox" checked={chosen.includes(name)} disabled={readOnly} onChange={(event) => toggle(name, event.target.checked)} />
            {t(titleOf(name))}
          </label>
        ))}
      </div>
    </fieldset>
  );
}
