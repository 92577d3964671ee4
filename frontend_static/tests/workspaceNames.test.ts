// Workspace names are fetched once per editor however many fields ask, and a failure is retried.
import { describe, expect, it } from "vitest";

import type { Answer, Api } from "../src/api";
import { NO_NAMES, loadWorkspaceNames } from "../src/workspaceNames";

const CATALOG = { events: [{ name: "paid", properties: ["amount"] }], fields: ["email"], attributes: ["age"], tags: ["vip"] };

function fakeApi(answers: Record<string, Answer[]>): { api: Api; calls: string[] } {
  const calls: string[] = [];
  const api = {
    get: async (path: string) => {
      calls.push(path);
      const queue = answers[path];
      return queue.length > 1 ? queue.shift() : queue[0];
    },
  } as unknown as Api;
  return { api, calls };
}

describe("workspace names", () => {
  it("asks the API once per editor", async () => {
    const { api, calls } = fakeApi({
      "catalog/": [{ status: 200, body: CATALOG }],
      "segments/?limit=500": [{ status: 200, body: { results: [{ key: "vip", name: "VIP" }] } }],
    });
    const [first, second] = await Promise.all([loadWorkspaceNames(api), loadWorkspaceNames(api)]);
    expect(await loadWorkspaceNames(api)).toBe(first);
    expect(second).toBe(first);
    expect(first).toEqual({ ...CATALOG, segments: [{ key: "vip", name: "VIP" }] });
    expect(calls).toEqual(["catalog/", "segments/?limit=500"]);
  });

  it("offers the catalog without segments when only those fail", async () => {
    const { api } = fakeApi({
      "catalog/": [{ status: 200, body: CATALOG }],
      "segments/?limit=500": [{ status: 403, body: {} }],
    });
    expect((await loadWorkspaceNames(api)).segments).toEqual([]);
  });

  it("answers with no names when the catalog fails, and tries again next time", async () => {
    const { api, calls } = fakeApi({
      "catalog/": [{ status: 500, body: {} }, { status: 200, body: CATALOG }],
      "segments/?limit=500": [{ status: 200, body: { results: [] } }],
    });
    expect(await loadWorkspaceNames(api)).toBe(NO_NAMES);
    await Promise.resolve();
    expect((await loadWorkspaceNames(api)).attributes).toEqual(["age"]);
    expect(calls.filter((path) => path === "catalog/")).toHaveLength(2);
  });
});
