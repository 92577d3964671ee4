// One plain value of a rule (text, number or yes/no), with its type chosen next to it: `1` and
// `"1"` are different values to the rule engine, so the type is shown rather than guessed.
import { useEffect, useState } from "react";

import { marked, t } from "./i18n";
import { type Scalar, type ScalarType, convertScalar, scalarType } from "./rules";

interface ScalarInputProps {
  value: Scalar;
  onChange: (value: Scalar) => void;
  label: string;
  readOnly: boolean;
  list?: string;
  /** Only text makes sense here (`starts_with`): no type choice. */
  textOnly?: boolean;
}

const TYPE_LABELS: Record<ScalarType, string> = { text: marked("text"), number: marked("number"), boolean: marked("yes/no") };

export function ScalarInput({ value, onChange, label, readOnly, list, textOnly }: ScalarInputProps) {
  const type = scalarType(value);
  return (
    <span className="tf-rule__scalar">
      {type === "number" ? (
        <NumberInput value={value as number} onChange={onChange} label={label} readOnly={readOnly} />
      ) : type === "boolean" ? (
        <select
          aria-label={label}
          value={String(value)}
          disabled={readOnly}
          onChange={(event) => onChange(event.target.value === "true")}
        >
          <option value="true">{t("yes")}</option>
          <option value="false">{t("no")}</option>
        </select>
      ) : (
        <input
          aria-label={label}
          value={value as string}
          list={list}
          readOnly={readOnly}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
      {!textOnly && (
        <select
          aria-label={t("Type of %(label)s", { label })}
          className="tf-rule__type"
          value={type}
          disabled={readOnly}
          onChange={(event) => onChange(convertScalar(value, event.target.value as ScalarType))}
        >
          {(Object.keys(TYPE_LABELS) as ScalarType[]).map((name) => (
            <option key={name} value={name}>
              {t(TYPE_LABELS[name])}
            </option>
          ))}
        </select>
      )}
    </span>
  );
}

interface NumberInputProps {
  value: number;
  onChange: (value: number) => void;
  label: string;
  readOnly: boolean;
  min?: number;
  whole?: boolean;
}

/** A number typed as text: the draft ("1.", "-") stays on screen until it parses. */
export function NumberInput({ value, onChange, label, readOnly, min, whole }: NumberInputProps) {
  const [draft, setDraft] = useState(String(value));
  useEffect(() => {
    setDraft((current) => (parseNumber(current, min, whole) === value ? current : String(value)));
  }, [value, min, whole]);
  const valid = parseNumber(draft, min, whole) !== null;
  return (
    <input
      aria-label={label}
      inputMode={whole ? "numeric" : "decimal"}
      className="tf-rule__number"
      value={draft}
      readOnly={readOnly}
      aria-invalid={!valid}
      onChange={(event) => {
        setDraft(event.target.value);
        const parsed = parseNumber(event.target.value, min, whole);
        if (parsed !== null) onChange(parsed);
      }}
    />
  );
}

function parseNumber(text: string, min?: number, whole?: boolean): number | null {
  if (!text.trim()) return null;
  const parsed = Number(text);
  if (!Number.isFinite(parsed)) return null;
  if (whole && !Number.isInteger(parsed)) return null;
  if (min !== undefined && parsed < min) return null;
  return parsed;
}
