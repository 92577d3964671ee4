// The input widgets of the generated node form and the settings panel: each edits one value and
// reports `undefined` when it is emptied, so callers remove the field instead of saving "".
import { type ReactNode, useEffect, useRef, useState } from "react";

import type { Json } from "./document";
import { DURATION_UNITS, type DurationUnit, formatDuration, isTimeOfDay, parseDuration } from "./duration";
import { t } from "./i18n";
import { JsonText } from "./JsonText";
import "./styles/forms.css";

/** What every field shows around its widget. */
export interface FrameInfo {
  label: string;
  help?: string;
  required?: boolean;
  errors?: string[];
}

interface FieldFrameProps extends FrameInfo {
  children: ReactNode;
}

/** A label around one input, with help text and the validator's messages for this field. */
export function FieldFrame({ label, help, required, errors, children }: FieldFrameProps) {
  return (
    <div className="tf-field">
      <label className="tf-field__control">
        <LabelText label={label} required={required} />
        {children}
      </label>
      <FieldNotes help={help} errors={errors} />
    </div>
  );
}

/** A fieldset for widgets made of several inputs (durations, rows, nested objects). */
export function FieldGroup({ label, help, required, errors, children, className }: FieldFrameProps & { className?: string }) {
  return (
    <fieldset className={`tf-fieldset ${className ?? ""}`}>
      <legend>
        <LabelText label={label} required={required} />
      </legend>
      {children}
      <FieldNotes help={help} errors={errors} />
    </fieldset>
  );
}

function LabelText({ label, required }: { label: string; required?: boolean }) {
  return (
    // The asterisk is drawn by CSS so the label's text (what finds the field) stays the title.
    <span className={required ? "tf-field__label tf-field__label--required" : "tf-field__label"} title={required ? t("required") : undefined}>
      {label}
    </span>
  );
}

function FieldNotes({ help, errors }: { help?: string; errors?: string[] }) {
  return (
    <>
      {help && <small className="tf-help">{help}</small>}
      {errors?.map((message) => (
        <small key={message} className="tf-field__error" role="alert">
          {message}
        </small>
      ))}
    </>
  );
}

interface ValueProps<T> {
  value: T | undefined;
  onChange: (value: T | undefined) => void;
  readOnly: boolean;
  label: string;
}

/** A number and a unit for ISO 8601 durations; "custom" keeps any other duration as raw text. */
export function DurationInput({ value, onChange, readOnly, label }: ValueProps<string>) {
  const [unit, setUnit] = useState<DurationUnit | "custom">(() => unitOf(value));
  useEffect(() => {
    // Follow outside changes (undo, another panel) unless the current unit already shows them.
    if (unit === "custom" ? false : value !== undefined && parseDuration(value)?.unit !== unit) setUnit(unitOf(value));
  }, [value, unit]);
  const parsed = value === undefined ? null : parseDuration(value);
  const amount = parsed && parsed.unit === unit ? String(parsed.amount) : "";
  const changeUnit = (next: DurationUnit | "custom") => {
    setUnit(next);
    if (next !== "custom" && parsed) onChange(formatDuration({ amount: parsed.amount, unit: next }) ?? undefined);
  };
  return (
    <span className="tf-duration">
      {unit === "custom" ? (
        <input
          aria-label={t("%(field)s (ISO 8601)", { field: label })}
          value={value ?? ""}
          placeholder="P1DT12H"
          readOnly={readOnly}
          disabled={readOnly}
          spellCheck={false}
          onChange={(event) => onChange(event.target.value.trim() || undefined)}
        />
      ) : (
        <input
          type="number"
          min={0}
          step={1}
          aria-label={t("%(field)s amount", { field: label })}
          value={amount}
          readOnly={readOnly}
          disabled={readOnly}
          onChange={(event) => {
            const text = event.target.value;
            if (!text) onChange(undefined);
            else onChange(formatDuration({ amount: Number(text), unit }) ?? value);
          }}
        />
      )}
      <select
        aria-label={t("%(field)s unit", { field: label })}
        value={unit}
        disabled={readOnly}
        onChange={(event) => changeUnit(event.target.value as DurationUnit | "custom")}
      >
        {DURATION_UNITS.map((name) => (
          <option key={name} value={name}>
            {unitLabel(name)}
          </option>
        ))}
        <option value="custom">{t("custom (ISO 8601)")}</option>
      </select>
    </span>
  );
}

function unitOf(value: string | undefined): DurationUnit | "custom" {
  if (value === undefined || value === "") return "hours";
  return parseDuration(value)?.unit ?? "custom";
}

function unitLabel(unit: DurationUnit): string {
  switch (unit) {
    case "minutes":
      return t("minutes");
    case "hours":
      return t("hours");
    case "days":
      return t("days");
    case "weeks":
      return t("weeks");
  }
}

/** HH:MM as a time input; a value that input could not show stays editable as text. */
export function TimeInput({ value, onChange, readOnly, label }: ValueProps<string>) {
  const shown = value === undefined || value === "" || isTimeOfDay(value);
  return (
    <input
      type={shown ? "time" : "text"}
      aria-label={label}
      value={value ?? ""}
      readOnly={readOnly}
      disabled={readOnly}
      onChange={(event) => onChange(event.target.value || undefined)}
    />
  );
}

/** Any JSON value as text, applied when it parses; the fallback for shapes without a widget. */
export function JsonInput({ value, onChange, readOnly, label }: ValueProps<Json>) {
  return (
    <span className="tf-json-field">
      <JsonText
        value={value}
        label={label}
        readOnly={readOnly}
        disabled={readOnly}
        allowEmpty
        rows={(text) => Math.min(8, Math.max(2, text.split("\n").length))}
        onApply={onChange}
      />
    </span>
  );
}

/**
 * Rows edited locally and written out through `write`: a half-typed row (no key yet, a repeated
 * key, an empty tag) stays on screen while the stored value only holds what is complete. An
 * outside change (undo) replaces the rows.
 */
export function useRows<R>(value: Json | undefined, read: (value: Json | undefined) => R[], write: (rows: R[]) => Json | undefined, onChange: (value: Json | undefined) => void) {
  const key = JSON.stringify(value ?? null);
  const [rows, setRows] = useState<R[]>(() => read(value));
  const emitted = useRef(key);
  useEffect(() => {
    if (key !== emitted.current) {
      emitted.current = key;
      setRows(read(value));
    }
    // `read` is a pure function of `value`, so a new `key` is the only reason to reset the rows.
  }, [key]);
  const update = (next: R[]) => {
    setRows(next);
    const out = write(next);
    emitted.current = JSON.stringify(out ?? null);
    onChange(out);
  };
  return [rows, update] as const;
}

/** A list of strings (tags, event names) as one input per item. */
export function StringListInput({ value, onChange, readOnly, label }: ValueProps<Json>) {
  const [rows, update] = useRows<string>(
    value,
    (current) => (Array.isArray(current) ? current.map((item) => (typeof item === "string" ? item : JSON.stringify(item))) : []),
    (next) => {
      const kept = next.filter((item) => item !== "");
      return kept.length ? kept : undefined;
    },
    onChange,
  );
  return (
    <div className="tf-rows">
      {rows.map((item, index) => (
        <div className="tf-row" key={index}>
          <input
            aria-label={t("%(field)s item %(number)s", { field: label, number: index + 1 })}
            value={item}
            readOnly={readOnly}
            disabled={readOnly}
            onChange={(event) => update(rows.map((other, at) => (at === index ? event.target.value : other)))}
          />
          {!readOnly && (
            <button type="button" className="tf-row__remove" onClick={() => update(rows.filter((_, at) => at !== index))}>
              {t("Remove")}
            </button>
          )}
        </div>
      ))}
      {!readOnly && (
        <button type="button" className="tf-row__add" onClick={() => update([...rows, ""])}>
          {t("Add")}
        </button>
      )}
    </div>
  );
}
