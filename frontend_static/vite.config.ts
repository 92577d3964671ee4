/// <reference types="vitest/config" />
// Builds the canvas into dist/, which Django serves as static files under /static/canvas/.
// The manifest lets the Django template find the hashed file names (journeys/canvas_assets.py).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [react()],
  base: "/static/canvas/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    manifest: true,
    rollupOptions: { input: "src/main.tsx" },
  },
  test: { environment: "node", include: ["tests/**/*.test.ts"] },
});
