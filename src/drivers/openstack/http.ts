/**
 * HTTP for the OpenStack APIs, on Node's own `fetch` (undici): JSON in and out, a deadline per
 * request, and every failure typed as a `DriverError` whose kind says whether asking again can
 * help — the engine's retry policy (engine/actions.ts) decides when.
 *
 *   transient     connection refused or reset, 5xx, 429, 409 about a task in progress
 *   timeout       no answer within the request's deadline (the call may have acted)
 *   rejected      400, 404, 409 about a state the request cannot act on
 *   unauthorised  401 after a fresh token, 403
 */
import { DriverError, type DriverFailureKind } from '../driver.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpRequest {
  readonly method: Method;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON. */
  readonly body?: unknown;
  readonly timeoutMs: number;
  /** What the request is about (a host, a server), for the error's subject. */
  readonly subject: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  readonly body: unknown;
}

/** A failure the API answered with a status (the kind says whether to retry). */
export class HttpError extends DriverError {
  constructor(
    kind: DriverFailureKind,
    subject: string,
    message: string,
    readonly status: number,
    readonly apiMessage: string,
  ) {
    super(kind, subject, message);
    this.name = 'HttpError';
  }
}

/** Makes requests; `fetch` by default, replaceable for a test of the mapping only. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** Counts requests by service and method, for the benchmark's API calls per host. */
export class CallCounter {
  readonly byKey = new Map<string, number>();
  total = 0;
  count(key: string): void {
    this.total++;
    this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1);
  }
}

/** Sends one request; 2xx resolves, anything else is a typed DriverError. */
export async function send(
  request: HttpRequest,
  fetchImpl: Fetch = (url, init) => fetch(url, init),
): Promise<HttpResponse> {
  const headers: Record<string, string> = {
    Accept: 'application/json',
    ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    ...request.headers,
  };
  let response: Response;
  try {
    response = await fetchImpl(request.url, {
      method: request.method,
      headers,
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    throw networkError(request, error);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw networkError(request, error);
  }
  const body = parseBody(text);
  if (response.ok) return { status: response.status, headers: response.headers, body };
  throw statusError(request, response.status, body, text);
}

function parseBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const where = (r: HttpRequest): string => {
  try {
    const u = new URL(r.url);
    return `${r.method} ${u.pathname}${u.search}`;
  } catch {
    return `${r.method} ${r.url}`;
  }
};

function networkError(request: HttpRequest, error: unknown): DriverError {
  const e = error as { name?: string };
  if (e.name === 'TimeoutError' || e.name === 'AbortError')
    return new DriverError(
      'timeout',
      request.subject,
      `${where(request)}: no answer within ${request.timeoutMs / 1000}s`,
    );
  return new DriverError('transient', request.subject, `${where(request)}: ${causeOf(error)}`);
}

/** What really went wrong under `fetch failed`: ECONNREFUSED, ECONNRESET, a TLS error … */
function causeOf(error: unknown): string {
  const e = error as {
    message?: string;
    code?: string;
    cause?: { code?: string; message?: string; errors?: { code?: string }[] };
  };
  const c = e.cause;
  return (
    c?.code ??
    c?.errors?.find((x) => x.code !== undefined)?.code ??
    c?.message ??
    e.code ??
    e.message ??
    String(error)
  );
}

/** The message an OpenStack API put in its error body, whatever its shape. */
export function errorMessage(body: unknown, text: string): string {
  if (body !== null && typeof body === 'object') {
    for (const value of Object.values(body as Record<string, unknown>)) {
      if (value !== null && typeof value === 'object') {
        const m = (value as { message?: unknown; detail?: unknown }).message;
        if (typeof m === 'string') return m;
      }
    }
    const errors = (body as { errors?: { detail?: unknown; title?: unknown }[] }).errors;
    const first = errors?.[0];
    if (first && typeof first.detail === 'string') return first.detail;
    const message = (body as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 300) || 'no detail';
}

function statusError(request: HttpRequest, status: number, body: unknown, text: string) {
  const message = errorMessage(body, text);
  return new HttpError(
    kindOf(status, message),
    request.subject,
    `${where(request)}: ${status} ${message}`,
    status,
    message,
  );
}

/** How a status answers "can asking again help?". */
export function kindOf(status: number, message: string): DriverFailureKind {
  if (status === 401 || status === 403) return 'unauthorised';
  if (status === 429 || status >= 500) return 'transient';
  // Nova answers 409 both for "busy now" (a task in progress) and "never in this state".
  if (status === 409)
    return /task[_ ]state|locked|in progress|try again/i.test(message) ? 'transient' : 'rejected';
  return 'rejected';
}
