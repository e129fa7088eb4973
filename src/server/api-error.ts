// OpenAI's error envelope, `{"error": {"message", "type", "param", "code"}}`, with the HTTP status for each engine
// error code: anything a client sent is a 4xx, never a 500.
import { EdgeError, type ErrorCode } from "../errors.js";

export type ApiErrorType = "invalid_request_error" | "authentication_error" | "not_found_error" | "rate_limit_error" | "server_error";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: ApiErrorType,
    readonly code: string | null = null,
    readonly param: string | null = null,
    /** Seconds for a Retry-After header (429 / 503). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  envelope(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const badRequest = (message: string, param: string | null = null, code = "invalid_request") =>
  new ApiError(400, message, "invalid_request_error", code, param);

/** Status per engine error code; codes not listed are the client's fault only if they say so (400). */
const STATUS: Partial<Record<ErrorCode, [number, ApiErrorType]>> = {
  queue_full: [429, "rate_limit_error"],
  server_shutting_down: [503, "server_error"],
  timeout: [503, "server_error"],
  cancelled: [503, "server_error"],
  out_of_memory: [503, "server_error"],
  kernel_failed: [500, "server_error"],
  io_error: [500, "server_error"],
};

/** An ApiError for anything thrown while serving a request. */
export function toApiError(e: unknown, param: string | null = null): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof EdgeError) {
    const [status, type] = STATUS[e.code] ?? [400, "invalid_request_error"];
    const retry = status === 429 || status === 503 ? 1 : undefined;
    return new ApiError(status, e.message, type, e.code, param, retry);
  }
  return new ApiError(500, `internal error: ${String((e as Error)?.message ?? e).split("\n")[0]}`, "server_error", "internal_error");
}
