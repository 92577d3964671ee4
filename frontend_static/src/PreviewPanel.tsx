// Live preview of a send or webhook node for a contact the user picks: the draft document goes
// with the request, so unsaved edits preview; calls wait until typing pauses (PREVIEW_DELAY_MS)
// and an answer that arrives after a newer request started is dropped.
import { useEffect, useId, useRef, useState } from "react";

import type { Api } from "./api";
import type { DocNode, JourneyDocument } from "./document";
import { isObject } from "./document";
import { t } from "./i18n";
import type { DocumentError } from "./journey";
import {
  type ContactSummary,
  PREVIEW_DELAY_MS,
  type PreviewResult,
  contactLabel,
  contentBase,
  errorsByField,
  requestPreview,
  searchContacts,
  shownValue,
} from "./preview";
import "./styles/preview.css";

interface PreviewPanelProps {
  api: Api;
  journeyId: number;
  node: DocNode;
  document: JourneyDocument;
}

type Outcome =
  | { kind: "idle" }
  | { kind: "rendered"; result: PreviewResult; base: string }
  | { kind: "refused"; errors: DocumentError[] }
  | { kind: "failed"; message: string };

/** The contact last picked in this editor: moving to another node previews it for them too. */
const pickedContacts = new WeakMap<Api, ContactSummary>();

export function PreviewPanel({ api, journeyId, node, document }: PreviewPanelProps) {
  const [contact, setPicked] = useState<ContactSummary | null>(() => pickedContacts.get(api) ?? null);
  const setContact = (picked: ContactSummary) => {
    pickedContacts.set(api, picked);
    setPicked(picked);
  };
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });
  // The last outcome stays on screen while the next one renders, so typing does not flicker.
  const [rendering, setRendering] = useState(false);
  const latestDocument = useRef(document);
  latestDocument.current = document;
  const nodeKey = JSON.stringify(node);

  useEffect(() => {
    if (!contact) return;
    let current = true;
    const timer = window.setTimeout(() => {
      setRendering(true);
      const definition = latestDocument.current;
      requestPreview(api, journeyId, node.id, contact.external_id, definition).then(
        (answer) => {
          if (!current) return;
          setRendering(false);
          if (answer.status === 200) {
            const result = answer.body as PreviewResult;
            setOutcome({ kind: "rendered", result, base: contentBase(definition, node) });
          } else if (answer.status === 400 && isObject(answer.body) && Array.isArray(answer.body.errors)) {
            setOutcome({ kind: "refused", errors: answer.body.errors as DocumentError[] });
          } else {
            setOutcome({ kind: "failed", message: t("The preview failed (%(status)s).", { status: answer.status }) });
          }
        },
        (error: unknown) => {
          if (!current) return;
          setRendering(false);
          setOutcome({ kind: "failed", message: String(error) });
        },
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
    // nodeKey stands for `node`: a new object with the same content needs no new preview.
  }, [api, journeyId, nodeKey, contact]);

  const refused = outcome.kind === "refused" ? outcome.errors : [];
  const contactErrors = refused.filter((error) => error.path === "/contact");
  const otherRefusals = refused.filter((error) => error.path !== "/contact");
  return (
    <section className="tf-preview" aria-label={t("Preview")} data-testid="preview">
      <h3>{t("Preview")}</h3>
      <ContactPicker api={api} contact={contact} onPick={setContact} errors={contactErrors} />
      {rendering && <p className="tf-help">{t("Rendering…")}</p>}
      {outcome.kind === "failed" && (
        <p className="tf-field__error" role="alert">
          {outcome.message}
        </p>
      )}
      {otherRefusals.map((error) => (
        <p key={`${error.path}${error.message}`} className="tf-field__error" role="alert">
          {error.message}
        </p>
      ))}
      {outcome.kind === "rendered" && <Rendered result={outcome.result} base={outcome.base} />}
    </section>
  );
}

function Rendered({ result, base }: { result: PreviewResult; base: string }) {
  const errors = errorsByField(result.errors, base);
  const elsewhere = errors.get("") ?? [];
  return (
    <dl className="tf-preview__content" data-channel={result.channel}>
      {Object.entries(result.content).map(([field, value]) => {
        const shown = shownValue(value);
        return (
          <div key={field} className="tf-preview__field" data-field={field}>
            <dt>{field}</dt>
            <dd>
              {shown === null ? <em className="tf-help">{t("(not rendered)")}</em> : <pre>{shown}</pre>}
              <FieldErrors errors={errors.get(field) ?? []} />
            </dd>
          </div>
        );
      })}
      <FieldErrors errors={elsewhere} />
    </dl>
  );
}

function FieldErrors({ errors }: { errors: DocumentError[] }) {
  if (!errors.length) return null;
  return (
    <ul className="tf-panel__errors">
      {errors.map((error) => (
        <li key={`${error.path}${error.message}`} data-code={error.code}>
          <code>{error.path}</code> {error.message}
        </li>
      ))}
    </ul>
  );
}

interface ContactPickerProps {
  api: Api;
  contact: ContactSummary | null;
  onPick: (contact: ContactSummary) => void;
  errors: DocumentError[];
}

/** Search by the start of an id, email, phone or name; pick one of the matches. */
function ContactPicker({ api, contact, onPick, errors }: ContactPickerProps) {
  const [query, setQuery] = useState("");
  // The matches with the text they are for, so "none" is only said once the search answered.
  const [found, setFound] = useState<{ text: string; matches: ContactSummary[] }>({ text: "", matches: [] });
  const listId = useId();
  const text = query.trim();
  const matches = text ? found.matches : [];

  useEffect(() => {
    if (!text) return;
    let current = true;
    const timer = window.setTimeout(() => {
      searchContacts(api, text).then(
        (result) => current && setFound({ text, matches: result }),
        () => current && setFound({ text, matches: [] }),
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [api, text]);

  return (
    <div className="tf-preview__contact">
      <label className="tf-field">
        <span>{t("Contact")}</span>
        <input
          type="search"
          value={query}
          placeholder={t("Search by id, email, phone or name")}
          aria-controls={listId}
          onChange={(event) => setQuery(event.target.value)}
        />
      </label>
      {contact && (
        <p className="tf-help" data-testid="preview-contact">
          {t("Previewing for %(contact)s", { contact: contactLabel(contact) })}
        </p>
      )}
      {errors.map((error) => (
        <p key={error.message} className="tf-field__error" role="alert">
          {error.message}
        </p>
      ))}
      <ul id={listId} className="tf-preview__matches" aria-label={t("Matching contacts")}>
        {matches.map((match) => (
          <li key={match.external_id}>
            <button
              type="button"
              aria-pressed={contact?.external_id === match.external_id}
              onClick={() => {
                onPick(match);
                setQuery("");
              }}
            >
              {contactLabel(match)}
            </button>
          </li>
        ))}
        {text && found.text === text && matches.length === 0 && <li className="tf-help">{t("No contact starts with that.")}</li>}
      </ul>
    </div>
  );
}
