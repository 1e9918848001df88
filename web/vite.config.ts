import { defineConfig } from "vitest/config";

// `npm run dev` proxies the API to a `tonality serve` on its default port.
const service = "http://127.0.0.1:8000";

export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "dist",
    assetsDir: "assets",
    emptyOutDir: true,
    target: "es2020",
    // One small bundle; a size report on every build keeps it honest.
    reportCompressedSize: true,
  },
  server: { proxy: { "/api": service, "/metrics": service } },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
