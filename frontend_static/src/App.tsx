// Loads what the editor needs (the journey and the catalogs) and shows the editor or why not.
import { ReactFlowProvider } from "@xyflow/react";
import { useEffect, useMemo, useState } from "react";

import { Api } from "./api";
import type { BootConfig } from "./boot";
import type { Catalog, ChannelInfo, NodeType } from "./catalog";
import { Editor } from "./Editor";
import { t } from "./i18n";
import { type JourneyResource, loadJourney } from "./journey";

interface Loaded {
  journey: JourneyResource;
  catalog: Catalog;
}

export function App({ boot }: { boot: BootConfig }) {
  const api = useMemo(
    () => new Api({ base: boot.apiBase, csrfToken: boot.csrfToken, workspace: boot.workspace }),
    [boot],
  );
  const [loaded, setLoaded] = useState<Loaded | null>(embeddedData);
  const [problem, setProblem] = useState("");

  useEffect(() => {
    if (loaded) return undefined;
    let cancelled = false;
    Promise.all([
      loadJourney(api, boot.journeyId),
      api.get<{ node_types: NodeType[] }>("node-types/"),
      api.get<{ channels: ChannelInfo[] }>("channels/"),
    ]).then(([journey, nodeTypes, channels]) => {
      if (cancelled) return;
      const failed = [journey, nodeTypes, channels].find((answer) => answer.status !== 200);
      if (failed) {
        setProblem(t("The journey could not be loaded (%(status)s).", { status: failed.status }));
        return;
      }
      setLoaded({
        journey: journey.body,
        catalog: { nodeTypes: nodeTypes.body.node_types, channels: channels.body.channels },
      });
    }, (error: unknown) => setProblem(String(error)));
    return () => {
      cancelled = true;
    };
  }, [api, boot.journeyId, loaded]);

  if (problem) return <p className="tf-banner" role="alert">{problem}</p>;
  if (!loaded) return <p className="tf-loading">{t("Loading…")}</p>;
  return (
    <ReactFlowProvider>
      <Editor
        api={api}
        catalog={loaded.catalog}
        journey={loaded.journey}
        readOnly={boot.readOnly}
      />
    </ReactFlowProvider>
  );
}

/** The journey and catalogs the Django page embeds (the API's own answers), so the editor can
 * draw at once; null when absent (the page is older or embedded elsewhere): then it asks. */
function embeddedData(): Loaded | null {
  const element = document.getElementById("canvas-initial");
  if (!element?.textContent) return null;
  const data = JSON.parse(element.textContent) as {
    journey: JourneyResource;
    node_types: NodeType[];
    channels: ChannelInfo[];
  };
  return { journey: data.journey, catalog: { nodeTypes: data.node_types, channels: data.channels } };
}
