// The editor's lifecycle controls: publish (saving a dirty draft first, since publishing freezes
// the stored draft), pause, resume, promote; and keeping the rev in step with the calls' bumps.
import { useCallback, useState } from "react";

import type { Api } from "./api";
import { t } from "./i18n";
import type { DocumentError, JourneyResource } from "./journey";
import { detailOf, type JourneyLifecycle, type LifecycleAction, lifecycleOf, publish, runLifecycle } from "./lifecycle";

interface LifecycleOptions {
  api: Api;
  journey: JourneyResource;
  rev: number;
  setRev: (rev: number) => void;
  dirty: boolean;
  /** Saves the draft; the new rev, or null when it was not saved. */
  save: () => Promise<number | null>;
  /** Where a refused publish's located errors go (the editor's problem list). */
  showErrors: (errors: DocumentError[]) => void;
}

export interface LifecycleControls {
  lifecycle: JourneyLifecycle;
  busy: boolean;
  /** The publish dialog, when open, with the problem to show in it. */
  dialog: { problem: string } | null;
  /** Why the last lifecycle call was refused ("" when it was not). */
  problem: string;
  setProblem: (problem: string) => void;
  openDialog: () => void;
  closeDialog: () => void;
  publish: (canaryPercent: number | null) => Promise<void>;
  run: (action: LifecycleAction) => Promise<void>;
}

export function useLifecycle({ api, journey, rev, setRev, dirty, save, showErrors }: LifecycleOptions): LifecycleControls {
  const [lifecycle, setLifecycle] = useState(() => lifecycleOf(journey));
  const [busy, setBusy] = useState(false);
  const [dialog, setDialog] = useState<{ problem: string } | null>(null);
  const [problem, setProblem] = useState("");

  /** Lifecycle calls bump the rev without touching the draft: adopt it when it is ours + 1
   * (nobody else saved in between); otherwise the next save meets the 409 it should. */
  const adopt = useCallback(
    (resource: JourneyResource, baseRev: number) => {
      setLifecycle(lifecycleOf(resource));
      if (resource.rev === baseRev + 1) setRev(resource.rev);
    },
    [setRev],
  );

  const doPublish = useCallback(
    async (canaryPercent: number | null) => {
      setBusy(true);
      try {
        const baseRev = dirty ? await save() : rev;
        if (baseRev === null) {
          setDialog({ problem: t("The draft could not be saved, so it was not published.") });
          return;
        }
        const outcome = await publish(api, journey.id, canaryPercent);
        if (outcome.kind === "refused") {
          setDialog({ problem: outcome.message });
          return;
        }
        setDialog(null);
        if (outcome.kind === "invalid") {
          showErrors(outcome.errors);
          return;
        }
        const fresh = await api.get<JourneyResource>(`journeys/${journey.id}/`);
        if (fresh.status === 200) adopt(fresh.body, baseRev);
      } finally {
        setBusy(false);
      }
    },
    [adopt, api, dirty, journey.id, rev, save, showErrors],
  );

  const run = useCallback(
    async (action: LifecycleAction) => {
      setBusy(true);
      setProblem("");
      try {
        const answer = await runLifecycle(api, journey.id, action);
        if (answer.status === 200) adopt(answer.body, rev);
        else setProblem(detailOf(answer));
      } finally {
        setBusy(false);
      }
    },
    [adopt, api, journey.id, rev],
  );

  return {
    lifecycle,
    busy,
    dialog,
    problem,
    setProblem,
    openDialog: useCallback(() => setDialog({ problem: "" }), []),
    closeDialog: useCallback(() => setDialog(null), []),
    publish: doPublish,
    run,
  };
}
