// A journey opens where it starts: a tall one on its first screenful, a small one whole.
import { describe, expect, it } from "vitest";

import { openingNodes } from "../src/opening";

const column = (count: number, gap = 170) =>
  Array.from({ length: count }, (_, index) => ({ id: `n${index}`, position: { y: 40 + index * gap } }));

describe("openingNodes", () => {
  it("fits every step of a journey that fits (no subset)", () => {
    expect(openingNodes(column(5), 900)).toBeUndefined();
    expect(openingNodes([], 900)).toBeUndefined();
  });

  it("fits the first screenful of a tall journey, from its top", () => {
    // 900 px window: 700 px of canvas at 50 % is 1,400 flow px; steps 170 apart from y = 40.
    const shown = openingNodes(column(200), 900)?.map((node) => node.id);
    expect(shown).toEqual(["n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7"]);
  });

  it("takes the top from the highest step, wherever the journey sits", () => {
    const nodes = [...column(30)].reverse().map((node) => ({ ...node, position: { y: node.position.y - 5000 } }));
    expect(openingNodes(nodes, 900)?.map((node) => node.id).sort()).toEqual(
      ["n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7"].sort(),
    );
  });
});
