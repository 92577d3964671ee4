// Live validation: the draft is checked by the server's validator while it is edited, once the
// edits pause, so a problem shows (and a fixed one goes) without saving. Only the answer to the
// newest check is applied: an older one arriving late would bring back problems already fixed.

/** How long edits must pause before the draft is checked: a 200-step journey validates in about
 * 30 ms on the server, so checking after every pause in typing costs the server little. */
export const LIVE_VALIDATION_PAUSE_MS = 500;

export interface LiveChecker<D> {
  /** The draft changed: check what `read` returns once edits have paused. */
  edited(read: () => D): void;
  /** Check `document` at once (opening, after a save), superseding a check still waiting. */
  checkNow(document: D): Promise<void>;
  /** Stop: a waiting check never runs and no answer still on its way is applied. */
  dispose(): void;
}

/**
 * `check` asks the server (null: no usable answer, e.g. the request failed); `apply` shows an
 * answer. Answers are applied in the order the checks were made, skipping all but the newest.
 */
export function liveChecker<D, A>(
  check: (document: D) => Promise<A | null>,
  apply: (answer: A) => void,
  pauseMs: number = LIVE_VALIDATION_PAUSE_MS,
): LiveChecker<D> {
  let waiting: ReturnType<typeof setTimeout> | null = null;
  let newest = 0;
  let disposed = false;

  const stopWaiting = () => {
    if (waiting !== null) clearTimeout(waiting);
    waiting = null;
  };
  const run = async (document: D) => {
    const ticket = ++newest;
    const answer = await check(document);
    if (!disposed && ticket === newest && answer !== null) apply(answer);
  };

  return {
    edited(read) {
      if (disposed) return;
      stopWaiting();
      waiting = setTimeout(() => {
        waiting = null;
        void run(read());
      }, pauseMs);
    },
    checkNow(document) {
      stopWaiting();
      return run(document);
    },
    dispose() {
      disposed = true;
      stopWaiting();
    },
  };
}
