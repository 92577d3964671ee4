// Translations come from Django's JavaScript catalog (`/jsi18n/`), loaded before the bundle, so
// the canvas and the admin share one set of .po files and follow the user's language.
declare global {
  interface Window {
    gettext?: (msgid: string) => string;
    interpolate?: (format: string, values: Record<string, unknown>, named: true) => string;
  }
}

/** The translation of `msgid`, or `msgid` itself when no catalog is loaded (unit tests). */
export function t(msgid: string, values?: Record<string, string | number>): string {
  const translated = window.gettext ? window.gettext(msgid) : msgid;
  if (!values) return translated;
  return translated.replace(/%\((\w+)\)s/g, (match, name: string) =>
    name in values ? String(values[name]) : match,
  );
}

/** Marks a msgid kept in a table for translation where it is shown, with `t(value)`: the
 * message extractor (core/message_catalogs.py) finds calls of `marked` with a string
 * literal as it finds those of `t`. */
export function marked(msgid: string): string {
  return msgid;
}
