/**
 * Failures of an SSH endpoint before they are about a host. Several inventory host names can
 * share one endpoint (and one connection), so the connection code describes what went wrong and
 * `SshExecutor.run` turns it into a `DriverError` about the host it was asked to run on.
 */
import type { DriverFailureKind } from '../driver.js';

export class EndpointFailure extends Error {
  /** The command never reached the server: running it on another channel cannot run it twice. */
  readonly unstarted: boolean;
  /** The channel is still closing and holds its session slot until the server confirms. */
  readonly channelOpen: boolean;

  constructor(
    readonly kind: DriverFailureKind,
    readonly detail: string,
    flags: { readonly unstarted?: boolean; readonly channelOpen?: boolean } = {},
  ) {
    super(detail);
    this.name = 'EndpointFailure';
    this.unstarted = flags.unstarted ?? false;
    this.channelOpen = flags.channelOpen ?? false;
  }
}

/** The fields of Node's and ssh2's errors we classify by; both are plain `Error`s at runtime. */
export interface LibraryError extends Error {
  readonly code?: unknown;
  readonly level?: unknown;
}

const SOCKET_ERRORS: Readonly<Record<string, readonly [DriverFailureKind, string]>> = {
  ECONNREFUSED: ['transient', 'connection refused'],
  ECONNRESET: ['transient', 'connection reset'],
  ECONNABORTED: ['transient', 'connection aborted'],
  EPIPE: ['transient', 'connection reset'],
  ETIMEDOUT: ['timeout', 'connection timed out'],
  EHOSTUNREACH: ['transient', 'host unreachable'],
  ENETUNREACH: ['transient', 'network unreachable'],
  EHOSTDOWN: ['transient', 'host down'],
  EAI_AGAIN: ['transient', 'the address does not resolve (temporary DNS failure)'],
  // A name that does not exist will not start to by retrying: a configuration error.
  ENOTFOUND: ['rejected', 'the address does not resolve'],
};

/** The kind and wording of a socket-level error, when it is one we know. */
export function socketFailure(
  error: LibraryError,
): readonly [DriverFailureKind, string] | undefined {
  const code = typeof error.code === 'string' ? error.code : undefined;
  return code === undefined ? undefined : SOCKET_ERRORS[code];
}

/** A short description of why a connection ended, for commands that were running on it. */
export function socketProblem(error: LibraryError): string {
  return socketFailure(error)?.[1] ?? error.message;
}

/** The code of a file-system error (ENOENT, EACCES), else its text. */
export function ioReason(error: unknown): string {
  const code = (error as LibraryError | undefined)?.code;
  return typeof code === 'string' ? code : String(error);
}
