import { describe, expect, it } from "vitest";

import { apiUrl, csrfToken, errorDetail, fileNameOf } from "./api";

describe("csrfToken", () => {
  it("reads the csrftoken cookie among others", () => {
    expect(csrfToken("session=abc; csrftoken=t0k%3Den=; theme=dark")).toBe("t0k=en=");
  });

  it("is null without the cookie", () => {
    expect(csrfToken("session=abc")).toBeNull();
    expect(csrfToken("")).toBeNull();
  });
});

describe("apiUrl", () => {
  it("prefixes the path and drops empty query values", () => {
    expect(apiUrl("/jobs", { page: 2, q: "", date_from: undefined })).toBe("/api/v1/jobs?page=2");
  });

  it("encodes an offset's plus sign", () => {
    expect(apiUrl("/history/texts", { date_from: "2026-12-03T00:00:00+03:00" })).toBe(
      "/api/v1/history/texts?date_from=2026-12-03T00%3A00%3A00%2B03%3A00",
    );
  });
});

describe("errorDetail", () => {
  it("shows the API's detail sentence", () => {
    const body = JSON.stringify({ status_code: 409, detail: "email is taken", extra: null });
    expect(errorDetail(409, body)).toBe("email is taken");
  });

  it("names the status when the body is not the API's", () => {
    expect(errorDetail(502, "<html>Bad Gateway</html>")).toContain("502");
  });
});

describe("fileNameOf", () => {
  it("prefers the UTF-8 name", () => {
    const header = `attachment; filename="x.csv"; filename*=UTF-8''%D0%BE%D1%82%D0%B7%D1%8B%D0%B2%D1%8B.csv`;
    expect(fileNameOf(header)).toBe("отзывы.csv");
  });

  it("reads a plain name", () => {
    expect(fileNameOf('attachment; filename="reviews.labelled.xlsx"')).toBe("reviews.labelled.xlsx");
  });
});
