// Where a journey opens when it has no saved viewport: fitted at a readable zoom, and when it is
// too tall to fit, on its first screenful from the top, where it starts, rather than centred on
// its middle (React Flow's fitView centres whatever it fits).

/** Fitted with a margin, never above 100 % nor below a zoom whose text can still be read. */
export const OPENING_FIT = { padding: 0.15, minZoom: 0.5, maxZoom: 1 };

/** The height of the toolbars above the canvas, and a step's height, in screen pixels. */
const CHROME_PX = 200;
const STEP_PX = 90;

/** The steps to fit on opening: those in the first screenful from the top at the minimum zoom,
 * or undefined (fit them all) when that is every step. */
export function openingNodes(
  nodes: ReadonlyArray<{ id: string; position: { y: number } }>,
  windowHeight: number,
): Array<{ id: string }> | undefined {
  if (nodes.length === 0) return undefined;
  const top = Math.min(...nodes.map((node) => node.position.y));
  const screenful = Math.max(windowHeight - CHROME_PX, STEP_PX) / OPENING_FIT.minZoom;
  const shown = nodes.filter((node) => node.position.y + STEP_PX <= top + screenful);
  if (shown.length === nodes.length || shown.length === 0) return undefined;
  return shown.map((node) => ({ id: node.id }));
}
