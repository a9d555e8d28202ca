/**
 * Strict host key checking against an OpenSSH known_hosts file, the way `ssh` does it with
 * `StrictHostKeyChecking yes`: a host is trusted only when the key it presents is listed for its
 * name. Pure functions over the file's text, so the rules can be tested without a server.
 *
 * Supported: plain names and patterns (`host`, `*.example`, `!bad`, comma lists), `[host]:port`
 * for ports other than 22, hashed names (`|1|salt|hash`, as `ssh-keygen -H` writes them) and the
 * `@revoked` marker. `@cert-authority` lines are ignored: certificates are not accepted.
 */
import { createHash, createHmac } from 'node:crypto';

export interface KnownHostsEntry {
  /** 1-based line number in the file, for messages. */
  readonly line: number;
  readonly marker: 'revoked' | 'cert-authority' | undefined;
  /** The host field as written: a comma list of patterns, or one hashed name. */
  readonly hosts: string;
  /** The key type named on the line (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, …). */
  readonly type: string;
  /** The public key blob (the base64 field decoded): what the server sends in its handshake. */
  readonly blob: Buffer;
}

export type HostKeyVerdict =
  { readonly trusted: true } | { readonly trusted: false; readonly reason: string };

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` elsewhere (lower case). */
export function knownHostName(address: string, port: number): string {
  const host = address.toLowerCase();
  return port === 22 ? host : `[${host}]:${port}`;
}

/** `SHA256:<base64 without padding>` of a key blob: the fingerprint `ssh-keygen -l` prints. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type written inside a blob (its first SSH string), or undefined when malformed. */
export function blobKeyType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > blob.length) return undefined;
  return blob.subarray(4, 4 + length).toString('latin1');
}

/**
 * Every usable line of a known_hosts file. Comments, blank lines and malformed lines (a key that
 * does not decode or whose embedded type differs from the named one) are skipped, as OpenSSH
 * skips them: a broken line must not make a host trusted, and cannot.
 */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const entry = parseLine(raw, index + 1);
    if (entry) entries.push(entry);
  });
  return entries;
}

function parseLine(raw: string, line: number): KnownHostsEntry | undefined {
  const text = raw.trim();
  if (text === '' || text.startsWith('#')) return undefined;
  const fields = text.split(/\s+/);
  let marker: KnownHostsEntry['marker'];
  if (fields[0]?.startsWith('@')) {
    const name = fields.shift();
    if (name === '@revoked') marker = 'revoked';
    else if (name === '@cert-authority') marker = 'cert-authority';
    else return undefined;
  }
  const [hosts, type, base64] = fields;
  if (hosts === undefined || type === undefined || base64 === undefined) return undefined;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return undefined;
  const blob = Buffer.from(base64, 'base64');
  if (blobKeyType(blob) !== type) return undefined;
  return { line, marker, hosts, type, blob };
}

/** Whether an entry's host field names `name` (hashed, or a pattern list with negations). */
export function entryMatches(entry: Pick<KnownHostsEntry, 'hosts'>, name: string): boolean {
  if (entry.hosts.startsWith('|')) return hashedMatches(entry.hosts, name);
  let matched = false;
  for (const pattern of entry.hosts.split(',')) {
    if (pattern === '') continue;
    const negated = pattern.startsWith('!');
    if (!globMatches(negated ? pattern.slice(1) : pattern, name)) continue;
    // A negated pattern that matches vetoes the whole line, whatever else matched.
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, the only hashing OpenSSH writes. */
function hashedMatches(field: string, name: string): boolean {
  const parts = field.split('|');
  if (parts.length !== 4 || parts[1] !== '1' || parts[2] === undefined || parts[3] === undefined)
    return false;
  const salt = Buffer.from(parts[2], 'base64');
  const expected = Buffer.from(parts[3], 'base64');
  const actual = createHmac('sha1', salt).update(name).digest();
  return expected.length === actual.length && expected.equals(actual);
}

/** OpenSSH's host pattern syntax: `*` any run, `?` one character, case-insensitive. */
function globMatches(pattern: string, name: string): boolean {
  const source = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(name.toLowerCase());
}

/** The keys the file lists for `name` (revoked and CA lines excluded). */
export function keysFor(entries: readonly KnownHostsEntry[], name: string): KnownHostsEntry[] {
  return entries.filter((e) => e.marker === undefined && entryMatches(e, name));
}

/**
 * Decides whether the key a server presented may be trusted for `name`. The reason, when not,
 * names the offered key's type and fingerprint so an operator can compare it with the host's
 * `ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub` before touching the file.
 */
export function checkHostKey(
  entries: readonly KnownHostsEntry[],
  name: string,
  offered: Buffer,
  file: string,
): HostKeyVerdict {
  const offeredText = `${blobKeyType(offered) ?? 'unknown-type'} key ${fingerprint(offered)}`;
  const revoked = entries.find(
    (e) => e.marker === 'revoked' && e.blob.equals(offered) && entryMatches(e, name),
  );
  if (revoked)
    return {
      trusted: false,
      reason: `the server's ${offeredText} is marked @revoked in ${file} (line ${revoked.line})`,
    };
  const known = keysFor(entries, name);
  if (known.some((e) => e.blob.equals(offered))) return { trusted: true };
  if (known.length === 0)
    return {
      trusted: false,
      reason: `${name} is not in ${file}; the server offered the ${offeredText}`,
    };
  const listed = known.map((e) => `${e.type} ${fingerprint(e.blob)} (line ${e.line})`).join(', ');
  return {
    trusted: false,
    reason:
      `the server's ${offeredText} is not the one known for ${name} in ${file} ` +
      `(known: ${listed}); the host key has changed, or someone is intercepting the connection`,
  };
}

const ALGORITHMS_FOR_TYPE: Readonly<Record<string, readonly HostKeyAlgorithm[]>> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  // An RSA key is one blob type but three signature algorithms; the SHA-2 ones first.
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

export type HostKeyAlgorithm =
  | 'ssh-ed25519'
  | 'ecdsa-sha2-nistp256'
  | 'ecdsa-sha2-nistp384'
  | 'ecdsa-sha2-nistp521'
  | 'rsa-sha2-512'
  | 'rsa-sha2-256'
  | 'ssh-rsa';

const DEFAULT_ALGORITHMS: readonly HostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/**
 * Host key algorithms to offer, those of the keys known for the host first. A server has keys of
 * several types; without this the handshake could pick a type we hold no key for and a trusted
 * host would look unknown (OpenSSH orders its offer the same way). The other types stay in the
 * list so a server that lost its known key type is reported as a changed key, not as a failed
 * negotiation.
 */
export function preferredAlgorithms(known: readonly KnownHostsEntry[]): HostKeyAlgorithm[] {
  const first = known.flatMap((e) => ALGORITHMS_FOR_TYPE[e.type] ?? []);
  return [...new Set([...first, ...DEFAULT_ALGORITHMS])];
}
