// One JSON text editor for every place the canvas shows JSON (a node's whole configuration, a
// form field without a widget, a sub-rule the builder cannot show): what is typed stays on screen
// until it parses and passes `check`; only then, on leaving the field, is it applied.
import { useEffect, useRef, useState } from "react";

import type { Json } from "./document";
import { t } from "./i18n";

interface JsonTextProps {
  value: Json | undefined;
  label: string;
  readOnly: boolean;
  /** Receives the parsed value; undefined when the text was emptied and `allowEmpty` is set. */
  onApply: (value: Json | undefined) => void;
  /** Refuses a parsed value by throwing an Error whose message the user sees. */
  check?: (value: Json) => void;
  allowEmpty?: boolean;
  /** Renders the textarea disabled, not only read-only (inside a disabled form). */
  disabled?: boolean;
  rows?: (text: string) => number;
}

export function JsonText({ value, label, readOnly, onApply, check, allowEmpty, disabled, rows }: JsonTextProps) {
  const formatted = value === undefined ? "" : JSON.stringify(value, null, 2);
  const [text, setText] = useState(formatted);
  const [problem, setProblem] = useState("");
  // The text last applied or received: a value coming back from the parent as it was applied does
  // not overwrite what the user has typed since.
  const last = useRef(formatted);
  useEffect(() => {
    if (formatted !== last.current) {
      last.current = formatted;
      setText(formatted);
      setProblem("");
    }
  }, [formatted]);

  const apply = () => {
    if (text === last.current) return;
    if (!text.trim() && allowEmpty) {
      setProblem("");
      last.current = "";
      onApply(undefined);
      return;
    }
    let parsed: Json;
    try {
      parsed = JSON.parse(text) as Json;
    } catch (error) {
      setProblem(t("Not valid JSON: %(problem)s", { problem: error instanceof Error ? error.message : String(error) }));
      return;
    }
    try {
      check?.(parsed);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
      return;
    }
    setProblem("");
    last.current = JSON.stringify(parsed, null, 2);
    onApply(parsed);
  };

  return (
    <>
      <textarea
        aria-label={label}
        value={text}
        rows={rows ? rows(text) : 10}
        spellCheck={false}
        readOnly={readOnly}
        disabled={disabled}
        onChange={(event) => setText(event.target.value)}
        onBlur={readOnly ? undefined : apply}
      />
      {problem && (
        <p className="tf-field__error" role="alert">
          {problem}
        </p>
      )}
    </>
  );
}
