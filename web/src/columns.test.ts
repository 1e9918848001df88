import { describe, expect, it } from "vitest";

import { csvColumns, decodeStart, splitLine } from "./columns";

describe("csvColumns", () => {
  it("reads a comma header", () => {
    expect(csvColumns("id,review,stars\n1,good,5\n")).toEqual(["id", "review", "stars"]);
  });

  it("finds semicolons and tabs, and drops a BOM", () => {
    expect(csvColumns("\uFEFFтекст;оценка\r\nхорошо;5")).toEqual(["текст", "оценка"]);
    expect(csvColumns("a\tb\tc")).toEqual(["a", "b", "c"]);
  });

  it("keeps a quoted delimiter inside its name", () => {
    expect(csvColumns('"text, raw","say ""hi"""\nx,y')).toEqual(["text, raw", 'say "hi"']);
  });

  it("suggests nothing for an empty file", () => {
    expect(csvColumns("")).toEqual([]);
  });
});

describe("splitLine", () => {
  it("keeps empty cells in place", () => {
    expect(splitLine("a,,b", ",")).toEqual(["a", "", "b"]);
  });
});

describe("decodeStart", () => {
  it("falls back to Windows-1251 for old Russian files", () => {
    const cp1251 = new Uint8Array([0xf2, 0xe5, 0xea, 0xf1, 0xf2]); // "текст"
    expect(decodeStart(cp1251.buffer)).toBe("текст");
  });
});
