/**
 * The two byte-level concerns of running a command remotely: turning argv into the one command
 * line SSH carries (the remote login shell parses it), and keeping a bounded copy of what the
 * command prints.
 */

/**
 * POSIX single-quoting: inside single quotes nothing is special, and a `'` is written as `'\''`
 * (close, escaped quote, reopen). Every argument is quoted, even plain words, so no argument can
 * ever be read as shell syntax, whatever the caller passes.
 */
export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The remote command line for `argv`; undefined when argv cannot be carried verbatim. */
export function commandLine(argv: readonly string[]): string | undefined {
  if (argv.length === 0 || argv.some((arg) => arg.includes('\0'))) return undefined;
  return argv.map(shellQuote).join(' ');
}

/**
 * One output stream captured up to `limit` bytes; the rest is counted and dropped so a chatty
 * command (a package manager's progress, `journalctl`) cannot exhaust our memory. The text ends
 * with a marker line saying how much was dropped, so a reader knows it is not the whole output.
 */
export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    const room = this.limit - this.kept;
    if (room >= chunk.length) {
      this.chunks.push(chunk);
      this.kept += chunk.length;
      return;
    }
    if (room > 0) {
      this.chunks.push(chunk.subarray(0, room));
      this.kept += room;
    }
    this.dropped += chunk.length - Math.max(room, 0);
  }

  text(): string {
    const bytes = Buffer.concat(this.chunks, this.kept);
    if (this.dropped === 0) return bytes.toString('utf8');
    // Cut on a character boundary: a split UTF-8 sequence would decode to a replacement char.
    const end = utf8Boundary(bytes);
    const kept = bytes.subarray(0, end).toString('utf8');
    const dropped = this.dropped + (bytes.length - end);
    const separator = kept === '' || kept.endsWith('\n') ? '' : '\n';
    return `${kept}${separator}… (${dropped} bytes dropped)\n`;
  }
}

/** The length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence. */
function utf8Boundary(bytes: Buffer): number {
  // Walk back over at most three continuation bytes (10xxxxxx) to the sequence's lead byte.
  let start = bytes.length;
  while (start > 0 && bytes.length - start < 4 && ((bytes[start - 1] ?? 0) & 0xc0) === 0x80)
    start--;
  if (start === 0) return bytes.length;
  const lead = bytes[start - 1] ?? 0;
  const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  const have = bytes.length - start + 1;
  return have >= needed ? bytes.length : start - 1;
}

/**
 * The remote command line: a line announcing the shell's PID on stderr, then the command. sshd
 * starts each session in a new session (setsid), so that PID is the process group of everything
 * the command starts; on a timeout we kill the group through a second channel. OpenSSH refuses
 * `signal` requests in some cases (root logins: "session signalling requires privilege
 * separation"), and closing a channel does not stop a command that does not write.
 */
export function wrappedCommandLine(argv: readonly string[], token: string): string | undefined {
  const command = commandLine(argv);
  if (command === undefined) return undefined;
  return `printf '%s\\n' "${pidPrefix(token)}$$" >&2; ${command}`;
}

/** The marker before the PID; `token` is random per command so no output can imitate it. */
export function pidPrefix(token: string): string {
  return `escalator-pid-${token}:`;
}

/** The command line that kills a process group on the host, whatever the login shell's `kill`. */
export function killCommandLine(pid: number): string {
  return `kill -s KILL -- -${pid} 2>/dev/null; kill -s KILL ${pid} 2>/dev/null; true`;
}

/** How far into stderr the PID line is looked for (a noisy .bashrc may write before it). */
const PID_SEARCH_BYTES = 4096;

/**
 * Takes the PID line out of the start of stderr, remembering the PID. Bytes before and after it
 * pass through unchanged; if no such line shows within the first few KiB, nothing is removed.
 */
export class PidLineFilter {
  pid: number | undefined;
  private pending: Buffer | undefined = Buffer.alloc(0);
  private readonly prefix: Buffer;

  constructor(token: string) {
    this.prefix = Buffer.from(pidPrefix(token), 'latin1');
  }

  /** The bytes of `chunk` (with any held back before) that belong to the command's stderr. */
  push(chunk: Buffer): Buffer {
    if (this.pending === undefined) return chunk;
    const data = Buffer.concat([this.pending, chunk]);
    const at = data.indexOf(this.prefix);
    const end = at < 0 ? -1 : data.indexOf(0x0a, at);
    if (end >= 0) {
      const digits = data.subarray(at + this.prefix.length, end).toString('latin1');
      if (/^\d+$/.test(digits)) this.pid = Number(digits);
      this.pending = undefined;
      return Buffer.concat([data.subarray(0, at), data.subarray(end + 1)]);
    }
    if (data.length > PID_SEARCH_BYTES) return this.end(data);
    this.pending = data;
    return Buffer.alloc(0);
  }

  /** What is still held back, at the end of the stream (or when giving up the search). */
  end(data: Buffer = this.pending ?? Buffer.alloc(0)): Buffer {
    this.pending = undefined;
    return data;
  }
}
