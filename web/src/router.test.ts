import { describe, expect, it } from "vitest";

import { safeNext, withQuery } from "./router";

describe("safeNext", () => {
  it("keeps a path on this site", () => {
    expect(safeNext("/history?tab=files")).toBe("/history?tab=files");
  });

  it("refuses other sites and odd forms", () => {
    for (const next of ["//evil.example", "https://evil.example", "/\\evil.example", "", null]) {
      expect(safeNext(next)).toBe("/");
    }
  });
});

describe("withQuery", () => {
  it("drops empty values", () => {
    expect(withQuery("/history", { tab: "files", q: "", page: 2 })).toBe("/history?tab=files&page=2");
  });
});
