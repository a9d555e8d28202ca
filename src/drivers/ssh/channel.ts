/**
 * One command on one connection: a session channel, its input, its bounded output, its exit
 * status, and its end when it runs past its timeout.
 */
import { randomBytes } from 'node:crypto';
import { constants as osConstants } from 'node:os';
import type { ClientChannel } from 'ssh2';
import { CappedOutput, killCommandLine, PidLineFilter, wrappedCommandLine } from './command.js';
import type { Connection } from './connection.js';
import { EndpointFailure } from './failure.js';

export interface CommandResult {
  /** The exit status; 128 + the signal number when the command was killed by a signal. */
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ChannelOptions {
  readonly timeoutSeconds: number | undefined;
  readonly input: string | undefined;
  readonly maxOutputBytes: number;
  /** Called once when the channel is gone (its session slot is free again). */
  readonly release: () => void;
}

/** How long a timed-out command's kill may take before the caller is told anyway. */
const KILL_WAIT_MS = 5_000;

/**
 * Opens a session channel and runs `argv` (quoted) on it.
 * @throws EndpointFailure: `unstarted` when the channel could not be opened (nothing ran).
 */
export async function runOnConnection(
  connection: Connection,
  argv: readonly string[],
  options: ChannelOptions,
): Promise<CommandResult> {
  const token = randomBytes(8).toString('hex');
  const command = wrappedCommandLine(argv, token);
  if (command === undefined)
    throw new EndpointFailure('rejected', 'the command is empty or contains a NUL byte');
  const channel = await openChannel(connection, command);
  return watchChannel(connection, channel, token, options);
}

/**
 * `exec` on the connection. A refusal on a live connection (the server's session limit) and a
 * dead connection are both `unstarted`: the caller may wait or reconnect and try again.
 */
function openChannel(connection: Connection, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    const unstarted = (detail: string): EndpointFailure =>
      new EndpointFailure('transient', detail, { unstarted: true });
    try {
      connection.client.exec(command, (error, channel) => {
        if (!error) resolve(channel);
        else if (!connection.alive) reject(unstarted(connection.dropped()));
        else reject(unstarted(`the server refused a session channel: ${error.message}`));
      });
    } catch {
      // ssh2 throws "Not connected" when the socket is already gone.
      connection.alive = false;
      reject(unstarted(connection.dropped()));
    }
  });
}

/**
 * Feeds the channel its input, collects its output and waits for its exit status. The session
 * slot is released only when the channel is gone, so the server's session limit holds.
 */
function watchChannel(
  connection: Connection,
  channel: ClientChannel,
  token: string,
  options: ChannelOptions,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const stdout = new CappedOutput(options.maxOutputBytes);
    const stderr = new CappedOutput(options.maxOutputBytes);
    const pidLine = new PidLineFilter(token);
    let exit: { code: number | null; signal: string | undefined } | undefined;
    let timedOut = false;
    let openStreams = 2;

    channel.on('data', (chunk: Buffer) => stdout.push(chunk));
    channel.stderr.on('data', (chunk: Buffer) => stderr.push(pidLine.push(chunk)));
    channel.on('exit', (code: number | null, signal?: string) => {
      exit = { code, signal };
    });
    // Writing stdin to a command that already exited fails: its exit status is what counts.
    channel.on('error', () => {});
    channel.stderr.on('error', () => {});

    const timer =
      options.timeoutSeconds === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            void stopCommand(connection, channel, pidLine.pid).then((outcome) =>
              reject(
                new EndpointFailure(
                  'timeout',
                  `command did not finish within ${options.timeoutSeconds} s; ${outcome}`,
                  { channelOpen: true },
                ),
              ),
            );
          }, options.timeoutSeconds * 1000);

    const finish = (): void => {
      if (--openStreams > 0) return;
      clearTimeout(timer);
      options.release();
      if (timedOut) return;
      stderr.push(pidLine.end());
      if (exit !== undefined) {
        resolve({ exitCode: exitCodeOf(exit), stdout: stdout.text(), stderr: stderr.text() });
        return;
      }
      // No exit status: the connection died under the command, or the server gave none.
      const why = connection.alive
        ? 'the server closed the session without an exit status'
        : `${connection.dropped()} while the command ran`;
      reject(new EndpointFailure('transient', why));
    };
    channel.on('close', finish);
    channel.stderr.on('close', finish);

    // stdin is always closed: a command that reads it must see the end, not wait forever.
    if (options.input !== undefined) channel.end(options.input);
    else channel.end();
  });
}

/** The shell's convention for a command ended by a signal: 128 + its number. */
function exitCodeOf(exit: { code: number | null; signal: string | undefined }): number {
  if (exit.code !== null) return exit.code;
  const signal = exit.signal ?? '';
  const name = signal.startsWith('SIG') ? signal : `SIG${signal}`;
  const number = (osConstants.signals as Readonly<Record<string, number | undefined>>)[name];
  return number === undefined ? 255 : 128 + number;
}

/**
 * Ends a command that ran past its timeout: a KILL `signal` request (OpenSSH 8.1+ honours it,
 * except for root logins), then KILL to its process group through a second channel, then the
 * channel closed. Closing alone would leave a command that does not write (a `sleep`, a hung
 * `apt-get`) running on the host, and a retry would run beside it. Resolves with what happened,
 * for the message.
 */
async function stopCommand(
  connection: Connection,
  channel: ClientChannel,
  pid: number | undefined,
): Promise<string> {
  signalKill(channel);
  let outcome: string;
  if (pid === undefined) outcome = 'its process could not be identified; it may still be running';
  else {
    const problem = await killProcessGroup(connection, pid);
    outcome =
      problem === undefined
        ? `its process group ${pid} was killed`
        : `killing its process group ${pid} failed (${problem}); it may still be running`;
  }
  channel.close();
  return outcome;
}

/** The part of ssh2's channel internals needed to signal a channel whose stdin is closed. */
interface ChannelInternals {
  readonly outgoing?: { readonly id?: unknown; readonly state?: unknown };
  readonly _client?: { readonly _protocol?: { readonly signal?: unknown } };
}

/**
 * Sends a `signal KILL` request. ssh2's public `signal()` refuses once stdin is closed, and
 * stdin is always closed, so the request goes through its protocol object, checked at runtime:
 * should ssh2 change, this does nothing and the process group kill still ends the command.
 */
function signalKill(channel: ClientChannel): void {
  try {
    const internals = channel as unknown as ChannelInternals;
    const id = internals.outgoing?.id;
    const state = internals.outgoing?.state;
    const protocol = internals._client?._protocol;
    const signal = protocol?.signal;
    if (
      typeof id === 'number' &&
      (state === 'open' || state === 'eof') &&
      typeof signal === 'function'
    )
      (signal as (channel: number, name: string) => void).call(protocol, id, 'KILL');
  } catch {
    // best effort
  }
}

/** Runs `kill` for the group on a second channel; resolves with a problem, or undefined. */
function killProcessGroup(connection: Connection, pid: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => resolve(`no answer within ${KILL_WAIT_MS / 1000} s`),
      KILL_WAIT_MS,
    );
    const done = (problem: string | undefined): void => {
      clearTimeout(timer);
      resolve(problem);
    };
    openChannel(connection, killCommandLine(pid)).then(
      (channel) => {
        channel.on('error', () => {});
        channel.resume();
        channel.stderr.resume();
        channel.on('close', () => done(undefined));
        channel.end();
      },
      (error: unknown) => done(error instanceof Error ? error.message : String(error)),
    );
  });
}
