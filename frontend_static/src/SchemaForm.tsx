// A node's configuration as a form generated from its JSON Schema (the catalog's config_schema;
// a send node's params from its channel's params_schema). Which widget a field gets is decided in
// schemaForm.ts; this file only renders. Whatever the form cannot show is edited as JSON, and the
// config keeps every field it does not touch.
import { createContext, useContext, useState } from "react";

import type { ChannelAccount } from "./channelAccounts";
import type { ChannelInfo } from "./catalog";
import { type DocNode, type Json, type JsonObject, isObject } from "./document";
import { fieldWidgets } from "./fieldWidgets";
import { DurationInput, FieldFrame, FieldGroup, type FrameInfo, JsonInput, StringListInput, TimeInput, useRows } from "./formFields";
import { t } from "./i18n";
import {
  type Row,
  type ScalarKind,
  type Schema,
  allowedScalarKinds,
  childPointer,
  chooseExclusive,
  convertScalar,
  currentVariant,
  duplicateKeys,
  exclusiveFields,
  fieldKind,
  isEmpty,
  isRequired,
  isTemplatePath,
  moveItem,
  newItem,
  nodeReference,
  objectOfRows,
  propertiesOf,
  rowsOf,
  scalarKindOf,
  sendSchema,
  switchVariant,
  variantsOf,
  withField,
} from "./formModel";

const CONFIG = "/config";

interface FormEnv {
  node: DocNode;
  channels: ChannelInfo[];
  readOnly: boolean;
  /** Null while unknown: the account field then takes text. */
  accounts: ChannelAccount[] | null;
  /** Ids of the journey's nodes by type (wait_event's where.node offers the send nodes). */
  nodeIds: Record<string, string[]>;
  /** Validator messages by node-relative pointer (/config/timeout). */
  errors: Map<string, string[]>;
}

const FormEnvContext = createContext<FormEnv | null>(null);

function useFormEnv(): FormEnv {
  const env = useContext(FormEnvContext);
  if (!env) throw new Error("Render fields inside <SchemaForm>.");
  return env;
}

export interface SchemaFormProps {
  node: DocNode;
  schema: Schema;
  channels: ChannelInfo[];
  accounts: ChannelAccount[] | null;
  nodeIds: Record<string, string[]>;
  errors: Map<string, string[]>;
  readOnly: boolean;
  onChange: (config: JsonObject) => void;
}

export function SchemaForm({ node, schema, channels, accounts, nodeIds, errors, readOnly, onChange }: SchemaFormProps) {
  const config = isObject(node.config) ? node.config : {};
  const concrete = node.type === "send" ? sendSchema(schema, channels, config.channel) : schema;
  const change = (next: JsonObject | undefined) => onChange(keepAccountOfChannel(config, next ?? {}, accounts));
  return (
    <FormEnvContext.Provider value={{ node, channels, readOnly, accounts, nodeIds, errors }}>
      <div className="tf-schema-form" data-testid="schema-form">
        <ObjectFields schema={concrete} value={config} onChange={change} pointer={CONFIG} />
      </div>
    </FormEnvContext.Provider>
  );
}

/** A send node whose channel changes drops an account of the old channel (it could not send). */
function keepAccountOfChannel(before: JsonObject, after: JsonObject, accounts: ChannelAccount[] | null): JsonObject {
  if (!accounts || before.channel === after.channel || typeof after.account !== "string") return after;
  const account = accounts.find((candidate) => candidate.name === after.account);
  return account && account.channel !== after.channel ? withField(after, "account", undefined) : after;
}

interface ValueProps<T> {
  value: T | undefined;
  onChange: (value: T | undefined) => void;
  pointer: string;
}

interface ObjectProps extends ValueProps<JsonObject> {
  schema: Schema;
}

/** The fields of an object: its variant choice first, then its properties, then unknown keys as JSON. */
function ObjectFields({ schema, value, onChange, pointer }: ObjectProps) {
  const { node, readOnly } = useFormEnv();
  const object = value ?? {};
  const set = (next: JsonObject) => onChange(pointer === CONFIG || !isEmpty(next) ? next : undefined);
  const variants = variantsOf(schema);
  const variant = variants ? currentVariant(variants, object) : null;
  const shown = variant ? variant.schema : schema;
  const properties = propertiesOf(shown);
  const exclusive = exclusiveFields(schema, pointer === CONFIG ? node.type : null);
  const [chosen, setChosen] = useState<string | null>(null);
  const active = exclusive ? (exclusive.find((name) => name in object) ?? chosen ?? exclusive[0]) : null;
  const hidden = new Set<string>([...(variants?.discriminator ? [variants.discriminator] : []), ...(exclusive ?? []).filter((name) => name !== active)]);
  const known = new Set([...Object.keys(propertiesOf(schema)), ...Object.keys(properties)]);
  const unknown = Object.keys(object).filter((key) => !known.has(key) && key !== variants?.discriminator);
  return (
    <>
      {variants && (
        <FieldFrame label={variantLabel(schema, variants.discriminator)} required={Boolean(variants.discriminator)}>
          <select
            aria-label={variantLabel(schema, variants.discriminator)}
            value={variant?.key ?? ""}
            disabled={readOnly}
            onChange={(event) => set(switchVariant(variants, object, event.target.value))}
          >
            {!variant && <option value="">{t("Choose…")}</option>}
            {variants.variants.map((option) => (
              <option key={option.key} value={option.key}>
                {t(option.title)}
              </option>
            ))}
          </select>
        </FieldFrame>
      )}
      {exclusive && (
        <FieldFrame label={t("Give one of")}>
          <select
            aria-label={t("Give one of")}
            value={active ?? ""}
            disabled={readOnly}
            onChange={(event) => {
              setChosen(event.target.value);
              set(chooseExclusive(object, exclusive, event.target.value));
            }}
          >
            {exclusive.map((name) => (
              <option key={name} value={name}>
                {t(titleOf(properties[name], name))}
              </option>
            ))}
          </select>
        </FieldFrame>
      )}
      {Object.entries(properties)
        .filter(([name]) => !hidden.has(name))
        .map(([name, field]) => (
          <Field
            key={name}
            name={name}
            schema={field}
            required={isRequired(shown, name) || isRequired(schema, name) || name === active}
            value={object[name]}
            onChange={(next) => set(withField(object, name, next))}
            pointer={childPointer(pointer, name)}
          />
        ))}
      {unknown.map((name) => (
        <FieldFrame key={name} label={name} help={t("Not part of this step's form; edited as JSON.")}>
          <JsonInput value={object[name]} onChange={(next) => set(withField(object, name, next))} readOnly={readOnly} label={name} />
        </FieldFrame>
      ))}
    </>
  );
}

function variantLabel(schema: Schema, discriminator: string | null): string {
  const field = discriminator ? propertiesOf(schema)[discriminator] : undefined;
  return t(field ? titleOf(field, discriminator ?? "") : titleOf(schema, t("Kind")));
}

function titleOf(schema: Schema | undefined, fallback: string): string {
  return schema && typeof schema.title === "string" ? schema.title : fallback;
}

interface FieldProps extends ValueProps<Json> {
  name: string;
  schema: Schema;
  required: boolean;
}

/** One field: its label, help and errors around the widget its schema asks for. */
function Field({ name, schema, required, value, onChange, pointer }: FieldProps) {
  const { node, channels, readOnly, errors } = useFormEnv();
  const label = t(titleOf(schema, name));
  const help = typeof schema.description === "string" ? t(schema.description) : undefined;
  const frame = { label, help, required, errors: errors.get(pointer) };
  const configPointer = pointer.slice(CONFIG.length);
  const kind = fieldKind(schema, isTemplatePath(node.type, configPointer));
  const text = typeof value === "string" ? value : undefined;
  const setText = (next: string | undefined) => onChange(next === "" ? undefined : next);

  if (node.type === "send" && configPointer === "/account") {
    return (
      <FieldFrame {...frame}>
        <AccountSelect value={text} onChange={setText} label={label} />
      </FieldFrame>
    );
  }
  if (value !== undefined && !fits(kind, value)) {
    return (
      <FieldFrame {...frame}>
        <JsonInput value={value} onChange={onChange} readOnly={readOnly} label={label} />
      </FieldFrame>
    );
  }
  switch (kind) {
    case "duration":
      return (
        <FieldGroup {...frame}>
          <DurationInput value={text} onChange={setText} readOnly={readOnly} label={label} />
        </FieldGroup>
      );
    case "time":
      return (
        <FieldFrame {...frame}>
          <TimeInput value={text} onChange={setText} readOnly={readOnly} label={label} />
        </FieldFrame>
      );
    case "rule": {
      const Rule = fieldWidgets.rule;
      return Rule ? (
        <FieldGroup {...frame}>
          <Rule value={value} onChange={onChange} readOnly={readOnly} label={label} pointer={pointer} node={node} />
        </FieldGroup>
      ) : (
        <FieldFrame {...frame}>
          <JsonInput value={value} onChange={onChange} readOnly={readOnly} label={label} />
        </FieldFrame>
      );
    }
    case "template":
      return (
        <FieldFrame {...frame}>
          <TemplateInput value={text} onChange={setText} pointer={pointer} label={label} />
        </FieldFrame>
      );
    case "enum":
      return (
        <FieldFrame {...frame}>
          <select aria-label={label} value={text ?? ""} disabled={readOnly} onChange={(event) => setText(event.target.value)}>
            {(text === undefined || !required) && (
              <option value="">{typeof schema.default === "string" ? t("Default (%(value)s)", { value: schema.default }) : t("Choose…")}</option>
            )}
            {(schema.enum as string[]).map((option) => (
              <option key={option} value={option}>
                {configPointer === "/channel" && node.type === "send" ? channelTitle(channels, option) : t(option)}
              </option>
            ))}
            {text !== undefined && text !== "" && !(schema.enum as string[]).includes(text) && (
              <option value={text}>{t("%(value)s (not a valid choice)", { value: text })}</option>
            )}
          </select>
        </FieldFrame>
      );
    case "boolean":
      return (
        <label className="tf-field tf-field--check">
          <input
            type="checkbox"
            checked={value === true}
            disabled={readOnly}
            onChange={(event) => onChange(event.target.checked ? true : schema.default === true ? false : undefined)}
          />
          <span className="tf-field__label">{label}</span>
          {help && <small className="tf-help">{help}</small>}
        </label>
      );
    case "integer":
    case "number":
      return (
        <FieldFrame {...frame}>
          <NumberInput label={label} value={typeof value === "number" ? value : undefined} onChange={onChange} integer={kind === "integer"} />
        </FieldFrame>
      );
    case "string":
      return (
        <FieldFrame {...frame}>
          <input aria-label={label} value={text ?? ""} readOnly={readOnly} disabled={readOnly} onChange={(event) => setText(event.target.value)} />
        </FieldFrame>
      );
    case "object":
      return (
        <FieldGroup {...frame}>
          <ObjectFields schema={schema} value={isObject(value) ? (value as JsonObject) : undefined} onChange={onChange} pointer={pointer} />
        </FieldGroup>
      );
    case "object_list":
      return (
        <FieldGroup {...frame}>
          <ObjectList schema={schema} value={Array.isArray(value) ? value : undefined} onChange={onChange} pointer={pointer} />
        </FieldGroup>
      );
    case "string_list":
      return (
        <FieldGroup {...frame}>
          <StringListInput value={value} onChange={onChange} readOnly={readOnly} label={label} />
        </FieldGroup>
      );
    case "map":
      return (
        <FieldGroup {...frame}>
          <MapRows schema={schema} value={value} onChange={onChange} pointer={pointer} label={label} />
        </FieldGroup>
      );
    case "json":
      return <JsonFallback frame={frame} value={value} onChange={onChange} pointer={pointer} />;
  }
}

function channelTitle(channels: ChannelInfo[], name: string): string {
  const title = channels.find((channel) => channel.name === name)?.title;
  return title ? t(title) : name;
}

/** Whether a stored value has the shape the widget edits; otherwise the field is shown as JSON. */
function fits(kind: string, value: Json): boolean {
  switch (kind) {
    case "duration":
    case "time":
    case "template":
    case "enum":
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "integer":
    case "number":
      return typeof value === "number";
    case "object":
    case "map":
    case "rule":
      return isObject(value);
    case "object_list":
      return Array.isArray(value) && value.every(isObject);
    case "string_list":
      return Array.isArray(value) && value.every((item) => typeof item === "string");
    default:
      return true;
  }
}

/** JSON editing, except a template string (webhook body) goes to the template widget when there is one. */
function JsonFallback({ frame, value, onChange, pointer }: { frame: FrameInfo } & ValueProps<Json>) {
  const { node, readOnly } = useFormEnv();
  if (typeof value === "string" && fieldWidgets.template && isTemplatePath(node.type, pointer.slice(CONFIG.length))) {
    return (
      <FieldFrame {...frame}>
        <TemplateInput value={value} onChange={(next) => onChange(next || undefined)} pointer={pointer} label={frame.label} />
      </FieldFrame>
    );
  }
  return (
    <FieldFrame {...frame}>
      <JsonInput value={value} onChange={onChange} readOnly={readOnly} label={frame.label} />
    </FieldFrame>
  );
}

function TemplateInput({ value, onChange, pointer, label }: ValueProps<string> & { label: string }) {
  const { node, readOnly } = useFormEnv();
  const Template = fieldWidgets.template;
  if (Template) return <Template value={value} onChange={onChange} readOnly={readOnly} label={label} pointer={pointer} node={node} />;
  return (
    <input
      aria-label={label}
      value={value ?? ""}
      readOnly={readOnly}
      disabled={readOnly}
      onChange={(event) => onChange(event.target.value || undefined)}
    />
  );
}

function NumberInput({ label, value, onChange, integer }: { label: string; value: number | undefined; onChange: (value: Json | undefined) => void; integer: boolean }) {
  const { readOnly } = useFormEnv();
  return (
    <input
      aria-label={label}
      type="number"
      step={integer ? 1 : "any"}
      value={value ?? ""}
      readOnly={readOnly}
      disabled={readOnly}
      onChange={(event) => {
        const number = event.target.valueAsNumber;
        onChange(event.target.value === "" || Number.isNaN(number) ? undefined : number);
      }}
    />
  );
}

function AccountSelect({ value, onChange, label }: { value: string | undefined; onChange: (value: string | undefined) => void; label: string }) {
  const { node, readOnly, accounts } = useFormEnv();
  const channel = isObject(node.config) && typeof node.config.channel === "string" ? node.config.channel : "";
  if (accounts === null) {
    return <input aria-label={label} value={value ?? ""} readOnly={readOnly} disabled={readOnly} onChange={(event) => onChange(event.target.value || undefined)} />;
  }
  const own = accounts.filter((account) => account.channel === channel).sort((a, b) => a.name.localeCompare(b.name));
  const names = own.map((account) => account.name);
  return (
    <>
      <select aria-label={label} value={value ?? ""} disabled={readOnly || !channel} onChange={(event) => onChange(event.target.value || undefined)}>
        <option value="">{t("Choose…")}</option>
        {own.map((account) => (
          <option key={account.name} value={account.name}>
            {`${account.name} (${account.provider})`}
          </option>
        ))}
        {value && !names.includes(value) && (
          <option value={value}>{t("%(name)s (not an account of this channel)", { name: value })}</option>
        )}
      </select>
      {!channel && <small className="tf-hint">{t("Choose a channel first.")}</small>}
      {channel && own.length === 0 && (
        <small className="tf-hint" role="note">
          {t("This workspace has no %(channel)s account yet. Add one under Channel accounts in the admin.", { channel })}
        </small>
      )}
    </>
  );
}

function ObjectList({ schema, value, onChange, pointer }: { schema: Schema } & ValueProps<Json[]>) {
  const { readOnly } = useFormEnv();
  const items = value ?? [];
  const itemSchema = isObject(schema.items) ? (schema.items as Schema) : {};
  const itemTitle = t(titleOf(itemSchema, t("Item")));
  const set = (next: Json[]) => onChange(next.length ? next : undefined);
  return (
    <div className="tf-rows">
      {items.map((item, index) => (
        <fieldset className="tf-fieldset tf-list-item" key={index}>
          <legend>{`${itemTitle} ${index + 1}`}</legend>
          <ObjectFields
            schema={itemSchema}
            value={isObject(item) ? (item as JsonObject) : {}}
            onChange={(next) => set(items.map((other, at) => (at === index ? (next ?? {}) : other)))}
            pointer={childPointer(pointer, index)}
          />
          {!readOnly && (
            <div className="tf-row__actions">
              <button type="button" disabled={index === 0} onClick={() => set(moveItem(items, index, index - 1))}>
                {t("Move up")}
              </button>
              <button type="button" disabled={index === items.length - 1} onClick={() => set(moveItem(items, index, index + 1))}>
                {t("Move down")}
              </button>
              <button type="button" onClick={() => set(items.filter((_, at) => at !== index))}>
                {t("Remove")}
              </button>
            </div>
          )}
        </fieldset>
      ))}
      {!readOnly && (
        <button type="button" className="tf-row__add" onClick={() => set([...items, newItem(itemSchema, items, titleOf(itemSchema, "item").toLowerCase())])}>
          {t("Add %(item)s", { item: itemTitle.toLowerCase() })}
        </button>
      )}
    </div>
  );
}

/** Key/value rows: property filters, headers, attributes, template data. */
function MapRows({ schema, value, onChange, pointer, label }: { schema: Schema; label: string } & ValueProps<Json>) {
  const { readOnly } = useFormEnv();
  const [rows, update] = useRows<Row>(value, rowsOf, (next) => {
    const object = objectOfRows(next);
    return Object.keys(object).length ? object : undefined;
  }, onChange);
  const duplicates = duplicateKeys(rows);
  const declared = propertiesOf(schema);
  const listId = `${pointer}-keys`;
  const kindsFor = (key: string): ScalarKind[] =>
    declared[key] ? allowedScalarKinds({ additionalProperties: declared[key] }) : allowedScalarKinds(schema);
  const setRow = (index: number, row: Row) => update(rows.map((other, at) => (at === index ? row : other)));
  return (
    <div className="tf-rows">
      {Object.keys(declared).length > 0 && (
        <datalist id={listId}>
          {Object.entries(declared).map(([key, field]) => (
            <option key={key} value={key}>
              {t(titleOf(field, key))}
            </option>
          ))}
        </datalist>
      )}
      {rows.map((row, index) => {
        const kinds = kindsFor(row.key);
        const kind = scalarKindOf(row.value);
        return (
          <div className="tf-row" key={index}>
            <input
              className="tf-row__key"
              aria-label={t("%(field)s key %(number)s", { field: label, number: index + 1 })}
              list={Object.keys(declared).length ? listId : undefined}
              value={row.key}
              readOnly={readOnly}
              disabled={readOnly}
              onChange={(event) => setRow(index, { ...row, key: event.target.value })}
            />
            {kinds.length > 1 && (
              <select
                aria-label={t("%(field)s type %(number)s", { field: label, number: index + 1 })}
                value={kinds.includes(kind) ? kind : "json"}
                disabled={readOnly}
                onChange={(event) => setRow(index, { ...row, value: convertScalar(row.value, event.target.value as ScalarKind) })}
              >
                {kinds.map((option) => (
                  <option key={option} value={option}>
                    {scalarLabel(option)}
                  </option>
                ))}
              </select>
            )}
            <RowValue
              row={row}
              pointer={childPointer(pointer, row.key)}
              label={t("%(field)s value %(number)s", { field: label, number: index + 1 })}
              onChange={(next) => setRow(index, { ...row, value: next })}
            />
            {!readOnly && (
              <button type="button" className="tf-row__remove" onClick={() => update(rows.filter((_, at) => at !== index))}>
                {t("Remove")}
              </button>
            )}
            {duplicates.has(row.key) && (
              <small className="tf-field__error" role="alert">
                {t("The key %(key)s is used twice; only the first row counts.", { key: row.key })}
              </small>
            )}
          </div>
        );
      })}
      {!readOnly && (
        <button type="button" className="tf-row__add" onClick={() => update([...rows, { key: "", value: convertScalar("", kindsFor("")[0]) }])}>
          {t("Add row")}
        </button>
      )}
    </div>
  );
}

function scalarLabel(kind: ScalarKind): string {
  switch (kind) {
    case "text":
      return t("text");
    case "number":
      return t("number");
    case "boolean":
      return t("yes/no");
    case "null":
      return t("null");
    case "json":
      return t("JSON");
  }
}

/** The value half of a row, by the value's kind; a reference to a node offers the journey's nodes. */
function RowValue({ row, pointer, label, onChange }: { row: Row; pointer: string; label: string; onChange: (value: Json) => void }) {
  const { node, readOnly, nodeIds } = useFormEnv();
  const configPointer = pointer.slice(CONFIG.length);
  const referenced = nodeReference(node.type, configPointer);
  if (referenced && typeof row.value === "string") {
    const ids = nodeIds[referenced] ?? [];
    return (
      <select aria-label={label} value={row.value} disabled={readOnly} onChange={(event) => onChange(event.target.value)}>
        <option value="">{t("Choose…")}</option>
        {ids.map((id) => (
          <option key={id} value={id}>
            {id}
          </option>
        ))}
        {row.value && !ids.includes(row.value) && <option value={row.value}>{t("%(name)s (no such step)", { name: row.value })}</option>}
      </select>
    );
  }
  switch (scalarKindOf(row.value)) {
    case "text":
      return isTemplatePath(node.type, configPointer) ? (
        <TemplateInput value={row.value as string} onChange={(next) => onChange(next ?? "")} pointer={pointer} label={label} />
      ) : (
        <input aria-label={label} value={row.value as string} readOnly={readOnly} disabled={readOnly} onChange={(event) => onChange(event.target.value)} />
      );
    case "number":
      return (
        <input
          type="number"
          step="any"
          aria-label={label}
          value={row.value as number}
          readOnly={readOnly}
          disabled={readOnly}
          onChange={(event) => onChange(Number.isNaN(event.target.valueAsNumber) ? 0 : event.target.valueAsNumber)}
        />
      );
    case "boolean":
      return <input type="checkbox" aria-label={label} checked={row.value === true} disabled={readOnly} onChange={(event) => onChange(event.target.checked)} />;
    case "null":
      return <span className="tf-help">null</span>;
    case "json":
      return <JsonInput value={row.value} onChange={(next) => onChange(next ?? null)} readOnly={readOnly} label={label} />;
  }
}
