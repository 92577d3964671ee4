// Entry point: mounts the canvas on the element the Django page renders.
import "@xyflow/react/dist/style.css";
import "./canvas.css";

import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { App } from "./App";
import { readBootConfig } from "./boot";

const element = document.getElementById("journey-canvas");
if (element) {
  createRoot(element).render(
    <StrictMode>
      <App boot={readBootConfig(element)} />
    </StrictMode>,
  );
}
