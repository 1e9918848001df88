// The one way the pages talk to the service: JSON in and out under
// /api/v1, the CSRF header on unsafe methods, the API's `detail` on errors,
// and a 401 handed to whoever shows the login page.

import { t } from "./i18n";

export const API_PREFIX = "/api/v1";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** An error answer, with the sentence the API gave for it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

interface Options {
  query?: Query;
  /** Answer a 401 with an error only, not a trip to the login page. */
  quiet401?: boolean;
}

let unauthorized: () => void = () => {};

/** Who is told when the session is gone (the app sends the user to log in). */
export function onUnauthorized(handler: () => void): void {
  unauthorized = handler;
}

export function csrfToken(cookies: string = document.cookie): string | null {
  for (const pair of cookies.split(";")) {
    const [name, ...value] = pair.trim().split("=");
    if (name === "csrftoken") return decodeURIComponent(value.join("="));
  }

  return null;
}

export function apiUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const search = params.toString();

  return `${API_PREFIX}${path}${search ? `?${search}` : ""}`;
}

function headersFor(method: string, json: boolean): Record<string, string> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (json) headers["Content-Type"] = "application/json";
  const token = UNSAFE.has(method) ? csrfToken() : null;
  if (token) headers["X-CSRF-Token"] = token;

  return headers;
}

/** The `detail` of an error body, or a sentence naming the status. */
export function errorDetail(status: number, body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === "object" && "detail" in parsed) {
      const detail = (parsed as { detail: unknown }).detail;
      if (typeof detail === "string" && detail) return detail;
    }
  } catch {
    // not JSON: a proxy's page, say; the status is all there is
  }

  return t("error.status", { status });
}

function failure(status: number, body: string, options: Options): ApiError {
  if (status === 401 && !options.quiet401) unauthorized();

  return new ApiError(status, errorDetail(status, body));
}

async function send(method: string, path: string, body: unknown, options: Options) {
  const form = body instanceof FormData;
  const init: RequestInit = {
    method,
    credentials: "same-origin",
    headers: headersFor(method, body !== undefined && !form),
  };
  if (body !== undefined) init.body = form ? body : JSON.stringify(body);

  let response: Response;
  try {
    response = await fetch(apiUrl(path, options.query), init);
  } catch {
    throw new ApiError(0, t("error.network"));
  }
  if (!response.ok) throw failure(response.status, await response.text(), options);

  return response;
}

/** A JSON request; resolves to the parsed answer (undefined for a 204). */
export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  options: Options = {},
): Promise<T> {
  const response = await send(method, path, body, options);
  if (response.status === 204) return undefined as T;

  return (await response.json()) as T;
}

/** A file from the API, with the name its Content-Disposition gives. */
export async function fetchFile(
  path: string,
  query: Query,
  fallbackName: string,
): Promise<{ blob: Blob; name: string }> {
  const response = await send("GET", path, undefined, { query });
  const disposition = response.headers.get("Content-Disposition") ?? "";

  return { blob: await response.blob(), name: fileNameOf(disposition) ?? fallbackName };
}

export function fileNameOf(disposition: string): string | null {
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (encoded) return decodeURIComponent(encoded[1]);
  const plain = /filename="?([^";]+)"?/i.exec(disposition);

  return plain ? plain[1] : null;
}

/** Hand a blob to the browser as a download. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * A multipart request through XMLHttpRequest, whose upload events fetch
 * does not offer: `progress(sent, total)` follows the transfer.
 */
export function upload<T>(
  method: string,
  path: string,
  form: FormData,
  progress: (sent: number, total: number) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(method, apiUrl(path));
    for (const [name, value] of Object.entries(headersFor(method, false))) {
      request.setRequestHeader(name, value);
    }
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) progress(event.loaded, event.total);
    };
    request.onerror = () => reject(new ApiError(0, t("error.network")));
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) {
        resolve((request.responseText ? JSON.parse(request.responseText) : undefined) as T);
      } else {
        reject(failure(request.status, request.responseText, {}));
      }
    };
    request.send(form);
  });
}
