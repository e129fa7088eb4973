// Calls to the server's own API from the page: the API key (kept in sessionStorage, for this tab only) as a Bearer
// token, and failures turned into one readable line from OpenAI's error envelope.

const KEY_STORAGE = "edgellm.apiKey";

export function storedApiKey(): string {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? "";
  } catch {
    return ""; // storage disabled: the key lives in the field only
  }
}

export function storeApiKey(key: string): void {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage disabled: nothing to keep
  }
}

/** A failed API call: the server's message, its HTTP status and error code. */
export class ApiCallError extends Error {
  constructor(message: string, readonly status: number, readonly code: string | null) {
    super(message);
  }
}

export function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const key = storedApiKey();
  if (key) headers.set("authorization", `Bearer ${key}`);
  if (init.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  return fetch(path, { ...init, headers });
}

/** The response, or an ApiCallError with what the server said. */
export async function checked(response: Response): Promise<Response> {
  if (response.ok) return response;
  let message = `${response.status} ${response.statusText}`;
  let code: string | null = null;
  try {
    const body = (await response.json()) as { error?: { message?: string; code?: string } | string };
    if (typeof body.error === "string") message = body.error;
    else if (body.error?.message) {
      message = body.error.message;
      code = body.error.code ?? null;
    }
  } catch {
    // not JSON: the status line says enough
  }
  throw new ApiCallError(message, response.status, code);
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await (await checked(await apiFetch(path, { signal }))).json()) as T;
}

export async function postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return (await (await checked(await apiFetch(path, { method: "POST", body: JSON.stringify(body), signal }))).json()) as T;
}

/** A one-line reason for anything thrown by a call. */
export function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
