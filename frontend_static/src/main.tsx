// Entry point: mounts the canvas on the element the Django page renders.
import "@xyflow/react/dist/style.css";
import "./canvas.css";

import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { App } from "./App";
import { readBootConfig } from "./boot";
import { fieldWidgets } from "./fieldWidgets";
import { RuleBuilder } from "./RuleBuilder";
import { TemplateField } from "./TemplateField";

// The generated node form edits rules and template strings with these richer editors.
fieldWidgets.rule = RuleBuilder;
fieldWidgets.template = TemplateField;

const element = document.getElementById("journey-canvas");
if (element) {
  createRoot(element).render(
    <StrictMode>
      <App boot={readBootConfig(element)} />
    </StrictMode>,
  );
}
