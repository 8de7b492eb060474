/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The manifest lets scripts/check-size.mjs find what the login page loads first.
export default defineConfig({
  plugins: [react()],
  build: { manifest: true, sourcemap: false, chunkSizeWarningLimit: 600 },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/ws": { target: "http://127.0.0.1:8000", ws: true },
    },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["src/test/setup.ts"],
    globalSetup: ["src/test/openapiSpec.global.ts"],
    // On a busy two-core machine a page test driven by user-event can take several seconds.
    testTimeout: 20_000,
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
  },
});
