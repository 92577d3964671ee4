// The editors of the rule builder's leaves: attribute condition, tag, event, message engagement
// and segment membership. Each edits one model and hands back the next one; names come from the
// workspace as suggestions (datalists), and free text is always accepted.
import { useId, useState } from "react";

import { marked, t } from "./i18n";
import {
  ATTRIBUTE_OPERATORS,
  type AttributeOperator,
  type AttributeRule,
  COUNT_OPERATORS,
  type CountOperator,
  DEFAULT_COUNT,
  type EventRule,
  MESSAGE_STATUSES,
  type MessageStatus,
  type RuleModel,
  type Scalar,
  WINDOW_UNITS,
  type WindowUnit,
  formatWindow,
  parseWindow,
  valueForOperator,
} from "./rules";
import { NumberInput, ScalarInput } from "./ScalarInput";
import type { WorkspaceNames } from "./workspaceNames";

/** The datalist ids of the builder, rendered once at its root. */
export interface SuggestionLists {
  names: WorkspaceNames;
  attributes: string;
  events: string;
  tags: string;
  segments: string;
  sendNodes: string;
}

export interface LeafProps<M extends RuleModel> {
  model: M;
  onChange: (model: RuleModel) => void;
  readOnly: boolean;
  lists: SuggestionLists;
}

const OPERATOR_LABELS: Record<AttributeOperator, string> = {
  eq: marked("is"),
  ne: marked("is not"),
  gt: marked("is greater than"),
  gte: marked("is at least"),
  lt: marked("is less than"),
  lte: marked("is at most"),
  in: marked("is one of"),
  not_in: marked("is none of"),
  contains: marked("contains"),
  starts_with: marked("starts with"),
  between: marked("is between"),
  exists: marked("is set"),
};

const COUNT_LABELS: Record<CountOperator, string> = {
  gte: marked("at least"),
  gt: marked("more than"),
  eq: marked("exactly"),
  ne: marked("not exactly"),
  lte: marked("at most"),
  lt: marked("fewer than"),
};

const STATUS_LABELS: Record<MessageStatus, string> = {
  sent: marked("was sent"),
  delivered: marked("was delivered"),
  opened: marked("was opened"),
  clicked: marked("was clicked"),
  bounced: marked("bounced"),
  failed: marked("failed"),
  skipped: marked("was skipped"),
};

const UNIT_LABELS: Record<WindowUnit, string> = {
  minutes: marked("minutes"),
  hours: marked("hours"),
  days: marked("days"),
  weeks: marked("weeks"),
};

export function AttributeLeaf({ model, onChange, readOnly, lists }: LeafProps<AttributeRule>) {
  const { value } = model;
  const setValue = (next: Scalar | Scalar[]) => onChange({ ...model, value: next });
  return (
    <>
      <span className="tf-rule__kind">{t("Attribute")}</span>
      <input
        aria-label={t("Attribute or field")}
        value={model.attr}
        list={lists.attributes}
        readOnly={readOnly}
        onChange={(event) => onChange({ ...model, attr: event.target.value })}
      />
      <select
        aria-label={t("Operator")}
        value={model.op}
        disabled={readOnly}
        onChange={(event) => {
          const op = event.target.value as AttributeOperator;
          const { value: _dropped, ...rest } = model;
          const next = valueForOperator(op, value);
          onChange(next === undefined ? { ...rest, op } : { ...rest, op, value: next });
        }}
      >
        {ATTRIBUTE_OPERATORS.map((op) => (
          <option key={op} value={op}>
            {t(OPERATOR_LABELS[op])}
          </option>
        ))}
      </select>
      {model.op === "between" && Array.isArray(value) && (
        <>
          <ScalarInput value={value[0]} label={t("From")} readOnly={readOnly} onChange={(low) => setValue([low, value[1]])} />
          <span>{t("and")}</span>
          <ScalarInput value={value[1]} label={t("To")} readOnly={readOnly} onChange={(high) => setValue([value[0], high])} />
        </>
      )}
      {(model.op === "in" || model.op === "not_in") && Array.isArray(value) && (
        <ValueList values={value} onChange={setValue} readOnly={readOnly} />
      )}
      {value !== undefined && !Array.isArray(value) && (
        <ScalarInput value={value} label={t("Value")} readOnly={readOnly} onChange={setValue} textOnly={model.op === "starts_with"} />
      )}
    </>
  );
}

function ValueList({ values, onChange, readOnly }: { values: Scalar[]; onChange: (values: Scalar[]) => void; readOnly: boolean }) {
  return (
    <span className="tf-rule__values">
      {values.map((item, index) => (
        <span key={index} className="tf-rule__value">
          <ScalarInput
            value={item}
            label={t("Value %(number)s", { number: index + 1 })}
            readOnly={readOnly}
            onChange={(next) => onChange(values.map((old, at) => (at === index ? next : old)))}
          />
          {!readOnly && (
            <button type="button" aria-label={t("Remove value %(number)s", { number: index + 1 })} onClick={() => onChange(values.filter((_, at) => at !== index))}>
              ×
            </button>
          )}
        </span>
      ))}
      {!readOnly && (
        <button type="button" onClick={() => onChange([...values, ""])}>
          {t("Add value")}
        </button>
      )}
    </span>
  );
}

export function TagLeaf({ model, onChange, readOnly, lists }: LeafProps<Extract<RuleModel, { kind: "tag" }>>) {
  return (
    <>
      <span className="tf-rule__kind">{t("Has tag")}</span>
      <input aria-label={t("Tag")} value={model.tag} list={lists.tags} readOnly={readOnly} onChange={(event) => onChange({ ...model, tag: event.target.value })} />
    </>
  );
}

export function SegmentLeaf({ model, onChange, readOnly, lists }: LeafProps<Extract<RuleModel, { kind: "segment" }>>) {
  return (
    <>
      <span className="tf-rule__kind">{t("In segment")}</span>
      <input aria-label={t("Segment")} value={model.segment} list={lists.segments} readOnly={readOnly} onChange={(event) => onChange({ ...model, segment: event.target.value })} />
    </>
  );
}

export function MessageLeaf({ model, onChange, readOnly, lists }: LeafProps<Extract<RuleModel, { kind: "message" }>>) {
  return (
    <>
      <span className="tf-rule__kind">{t("Message of step")}</span>
      <input aria-label={t("Send step")} value={model.node} list={lists.sendNodes} readOnly={readOnly} onChange={(event) => onChange({ ...model, node: event.target.value })} />
      <select aria-label={t("Engagement")} value={model.status} disabled={readOnly} onChange={(event) => onChange({ ...model, status: event.target.value as MessageStatus })}>
        {MESSAGE_STATUSES.map((status) => (
          <option key={status} value={status}>
            {t(STATUS_LABELS[status])}
          </option>
        ))}
      </select>
      {model.journey !== undefined && <span className="tf-help">{t("in journey %(id)s", { id: model.journey })}</span>}
    </>
  );
}

export function EventLeaf({ model, onChange, readOnly, lists }: LeafProps<EventRule>) {
  const propertiesList = useId();
  const properties = lists.names.events.find((event) => event.name === model.event)?.properties ?? [];
  const count = model.count ?? DEFAULT_COUNT;
  const rows = model.where ?? [];
  const setRows = (next: [string, Scalar][]) => {
    const { where: _old, ...rest } = model;
    onChange(next.length ? { ...rest, where: next } : rest);
  };
  return (
    <>
      <span className="tf-rule__kind">{t("Did event")}</span>
      <input aria-label={t("Event")} value={model.event} list={lists.events} readOnly={readOnly} onChange={(event) => onChange({ ...model, event: event.target.value })} />
      <select
        aria-label={t("How often")}
        value={count.op}
        disabled={readOnly}
        onChange={(event) => onChange({ ...model, count: { ...count, op: event.target.value as CountOperator } })}
      >
        {COUNT_OPERATORS.map((op) => (
          <option key={op} value={op}>
            {t(COUNT_LABELS[op])}
          </option>
        ))}
      </select>
      <NumberInput value={count.value} min={0} whole label={t("Times")} readOnly={readOnly} onChange={(value) => onChange({ ...model, count: { ...count, value } })} />
      <span>{t("times")}</span>
      <WindowInput within={model.within} readOnly={readOnly} onChange={(within) => {
        const { within: _old, ...rest } = model;
        onChange(within === undefined ? rest : { ...rest, within });
      }} />
      <datalist id={propertiesList}>
        {properties.map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
      <span className="tf-rule__where">
        {rows.map(([key, value], index) => (
          <span key={index} className="tf-rule__value">
            <input
              aria-label={t("Property %(number)s", { number: index + 1 })}
              value={key}
              list={propertiesList}
              readOnly={readOnly}
              onChange={(event) => {
                const name = event.target.value;
                // Two rows with one name would merge into one property: keep the row as it was.
                if (rows.some(([other], at) => at !== index && other === name)) return;
                setRows(rows.map((row, at) => (at === index ? [name, row[1]] : row)));
              }}
            />
            <span>=</span>
            <ScalarInput
              value={value}
              label={t("Value of property %(number)s", { number: index + 1 })}
              readOnly={readOnly}
              onChange={(next) => setRows(rows.map((row, at) => (at === index ? [row[0], next] : row)))}
            />
            {!readOnly && (
              <button type="button" aria-label={t("Remove property %(number)s", { number: index + 1 })} onClick={() => setRows(rows.filter((_, at) => at !== index))}>
                ×
              </button>
            )}
          </span>
        ))}
        {!readOnly && (
          <button type="button" disabled={rows.some(([key]) => key === "")} onClick={() => setRows([...rows, ["", ""]])}>
            {t("Add property filter")}
          </button>
        )}
      </span>
    </>
  );
}

const EVER = "ever";
const OTHER = "other";

/** The event window: ever, a number of minutes/hours/days/weeks, or any ISO 8601 duration. */
function WindowInput({ within, onChange, readOnly }: { within: string | undefined; onChange: (within: string | undefined) => void; readOnly: boolean }) {
  const parsed = within === undefined ? null : parseWindow(within);
  // Chosen "other", the text box stays while the user types, even through a simple duration.
  const [asText, setAsText] = useState(within !== undefined && parsed === null);
  const simple = asText ? null : parsed;
  const mode = within === undefined ? EVER : simple ? simple.unit : OTHER;
  return (
    <span className="tf-rule__window">
      {simple && (
        <>
          <span>{t("in the last")}</span>
          <NumberInput value={simple.amount} min={1} whole label={t("Window length")} readOnly={readOnly} onChange={(amount) => onChange(formatWindow({ ...simple, amount }))} />
        </>
      )}
      <select
        aria-label={t("Window")}
        value={mode}
        disabled={readOnly}
        onChange={(event) => {
          const next = event.target.value;
          setAsText(next === OTHER);
          if (next === EVER) onChange(undefined);
          else if (next === OTHER) onChange(within ?? "P7D");
          else onChange(formatWindow({ amount: parsed?.amount ?? 7, unit: next as WindowUnit }));
        }}
      >
        <option value={EVER}>{t("ever")}</option>
        {WINDOW_UNITS.map((unit) => (
          <option key={unit} value={unit}>
            {t(UNIT_LABELS[unit])}
          </option>
        ))}
        <option value={OTHER}>{t("other duration (ISO 8601)")}</option>
      </select>
      {mode === OTHER && (
        <input aria-label={t("Window (ISO 8601 duration)")} value={within ?? ""} placeholder="P1DT12H" readOnly={readOnly} onChange={(event) => onChange(event.target.value)} />
      )}
    </span>
  );
}
