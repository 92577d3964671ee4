// Picks a published version to open read-only; the list is read again whenever a publish adds one.
import { useEffect, useState } from "react";

import type { Api } from "./api";
import { t } from "./i18n";
import { listVersions, type VersionSummary } from "./lifecycle";

interface VersionPickerProps {
  api: Api;
  journeyId: number;
  latest: number | null;
  /** The version on the canvas, or null for the draft. */
  current: number | null;
  onOpen: (version: number) => void;
}

export function VersionPicker({ api, journeyId, latest, current, onOpen }: VersionPickerProps) {
  const [versions, setVersions] = useState<VersionSummary[]>([]);

  useEffect(() => {
    if (latest === null) return undefined;
    let cancelled = false;
    void listVersions(api, journeyId).then((answer) => {
      if (!cancelled && answer.status === 200) setVersions(answer.body);
    });
    return () => {
      cancelled = true;
    };
  }, [api, journeyId, latest]);

  return (
    <select
      className="tf-version-picker"
      aria-label={t("Versions")}
      data-testid="version-picker"
      value={current ?? ""}
      disabled={!versions.length}
      onChange={(event) => {
        if (event.target.value) onOpen(Number(event.target.value));
      }}
    >
      <option value="">{versions.length ? t("Open a version…") : t("No versions yet")}</option>
      {versions.map((version) => (
        <option key={version.version} value={version.version}>
          {t("Version %(number)s · %(when)s", { number: version.version, when: version.published_at.slice(0, 16).replace("T", " ") })}
        </option>
      ))}
    </select>
  );
}
