// The workspace's channel accounts (GET /channel-accounts/), which a send node names by `name`.
// Only names and channels are read: secrets never reach the canvas.
import { useEffect, useState } from "react";

import type { Api } from "./api";
import { isObject } from "./document";

export interface ChannelAccount {
  name: string;
  channel: string;
  provider: string;
}

/** One page of up to 500 accounts: a workspace has a handful per channel, not hundreds. */
const ACCOUNTS_PATH = "channel-accounts/?limit=500";

export async function loadChannelAccounts(api: Api): Promise<ChannelAccount[] | null> {
  const answer = await api.get<unknown>(ACCOUNTS_PATH);
  if (answer.status !== 200 || !isObject(answer.body) || !Array.isArray(answer.body.results)) return null;
  return answer.body.results.filter(isObject).map((item) => ({
    name: String(item.name ?? ""),
    channel: String(item.channel ?? ""),
    provider: String(item.provider ?? ""),
  }));
}

/** The accounts, or null while loading or when they could not be read (the form then takes text). */
export function useChannelAccounts(api: Api): ChannelAccount[] | null {
  const [accounts, setAccounts] = useState<ChannelAccount[] | null>(null);
  useEffect(() => {
    let cancelled = false;
    loadChannelAccounts(api).then(
      (loaded) => {
        if (!cancelled) setAccounts(loaded);
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [api]);
  return accounts;
}
