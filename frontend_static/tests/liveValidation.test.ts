import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { liveChecker } from "../src/liveValidation";

/** A server whose answers the test releases one by one, in any order. */
function server() {
  const pending: { document: string; answer: (errors: string[] | null) => void }[] = [];
  const check = (document: string) =>
    new Promise<string[] | null>((resolve) => pending.push({ document, answer: resolve }));
  return { pending, check };
}

describe("liveChecker", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("checks once the edits pause, reading the draft as it is then", async () => {
    const { pending, check } = server();
    const shown: string[][] = [];
    const checker = liveChecker(check, (errors) => shown.push(errors), 500);
    let draft = "a";
    checker.edited(() => draft);
    vi.advanceTimersByTime(300);
    draft = "ab";
    checker.edited(() => draft);
    vi.advanceTimersByTime(499);
    expect(pending).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(pending.map((p) => p.document)).toEqual(["ab"]);
    pending[0].answer(["problem"]);
    await vi.runAllTimersAsync();
    expect(shown).toEqual([["problem"]]);
  });

  it("applies only the newest answer when an older one arrives late", async () => {
    const { pending, check } = server();
    const shown: string[][] = [];
    const checker = liveChecker(check, (errors) => shown.push(errors), 500);
    checker.edited(() => "broken");
    vi.advanceTimersByTime(500);
    const fixed = checker.checkNow("fixed");
    pending[1].answer([]);
    await fixed;
    pending[0].answer(["stale problem"]);
    await vi.runAllTimersAsync();
    expect(shown).toEqual([[]]);
  });

  it("checks now instead of a check still waiting, and ignores failed requests", async () => {
    const { pending, check } = server();
    const shown: (string[] | null)[] = [];
    const checker = liveChecker(check, (errors) => shown.push(errors), 500);
    checker.edited(() => "draft");
    const now = checker.checkNow("saved");
    vi.advanceTimersByTime(1000);
    expect(pending.map((p) => p.document)).toEqual(["saved"]);
    pending[0].answer(null);
    await now;
    expect(shown).toEqual([]);
  });

  it("does nothing more once disposed", async () => {
    const { pending, check } = server();
    const shown: string[][] = [];
    const checker = liveChecker(check, (errors) => shown.push(errors), 500);
    const running = checker.checkNow("open");
    checker.edited(() => "edited");
    checker.dispose();
    vi.advanceTimersByTime(1000);
    pending[0].answer(["late"]);
    await running;
    checker.edited(() => "after");
    vi.advanceTimersByTime(1000);
    expect(pending).toHaveLength(1);
    expect(shown).toEqual([]);
  });
});
