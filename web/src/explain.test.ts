import { describe, expect, it } from "vitest";

import { segments, toneOf } from "./explain";

describe("toneOf", () => {
  it("colours a word supporting a negative verdict red", () => {
    expect(toneOf(0.3, "negative")).toBe("negative");
    expect(toneOf(-0.3, "negative")).toBe("positive");
  });

  it("colours a word supporting a positive verdict green", () => {
    expect(toneOf(0.3, "positive")).toBe("positive");
    expect(toneOf(-0.3, "positive")).toBe("negative");
  });

  it("marks only the words that support a neutral verdict", () => {
    expect(toneOf(0.2, "neutral")).toBe("neutral");
    expect(toneOf(-0.2, "neutral")).toBeUndefined();
  });
});

describe("segments", () => {
  it("keeps every character of the text, spaces and newlines included", () => {
    const text = "Очень  плохой\nфильм!";
    const words = [
      { token: "Очень", weight: 0.05 },
      { token: "плохой", weight: 0.6 },
      { token: "фильм!", weight: 0.0 },
    ];

    const parts = segments(text, words, "negative");

    expect(parts.map((part) => part.text).join("")).toBe(text);
    expect(parts.find((part) => part.text === "плохой")?.tone).toBe("negative");
    expect(parts.find((part) => part.text === "плохой")?.strength).toBe(1);
    expect(parts.find((part) => part.text === "фильм!")?.tone).toBeUndefined();
  });

  it("finds repeated words in order", () => {
    const parts = segments("good good", [
      { token: "good", weight: 0.1 },
      { token: "good", weight: 0.4 },
    ], "positive");

    expect(parts.map((part) => [part.text, part.weight])).toEqual([
      ["good", 0.1],
      [" ", undefined],
      ["good", 0.4],
    ]);
  });

  it("shows the plain text when there is no explanation", () => {
    expect(segments("hello", [], "neutral")).toEqual([{ text: "hello" }]);
  });
});
