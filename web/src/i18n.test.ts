import { describe, expect, it } from "vitest";

import { MESSAGES, initialLang, setLang, t } from "./i18n";

describe("interface text", () => {
  it("has every English key in Russian, none left empty", () => {
    const english = Object.keys(MESSAGES.en).sort();
    expect(Object.keys(MESSAGES.ru).sort()).toEqual(english);
    for (const lang of ["en", "ru"] as const) {
      for (const [key, text] of Object.entries(MESSAGES[lang])) {
        expect(text.trim(), `${lang} ${key}`).not.toBe("");
      }
    }
  });

  it("uses the same placeholders in both languages", () => {
    const names = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();
    for (const key of Object.keys(MESSAGES.en) as (keyof typeof MESSAGES.en)[]) {
      expect(names(MESSAGES.ru[key]), key).toEqual(names(MESSAGES.en[key]));
    }
  });

  it("fills placeholders in the chosen language", () => {
    setLang("ru");
    expect(t("files.rows", { done: 3, total: 10 })).toBe("3 из 10 строк");
    setLang("en");
    expect(t("files.rows", { done: 3, total: 10 })).toBe("3 of 10 rows");
  });
});

describe("initialLang", () => {
  it("keeps a stored choice", () => {
    expect(initialLang("ru", ["en-US"])).toBe("ru");
  });

  it("follows a Russian browser on a first visit", () => {
    expect(initialLang(null, ["ru-RU", "en"])).toBe("ru");
    expect(initialLang(null, ["de-DE"])).toBe("en");
  });
});
