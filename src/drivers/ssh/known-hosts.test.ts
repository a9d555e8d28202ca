/** known_hosts matching without a server: the rules `ssh` applies with strict checking. */
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  blobKeyType,
  checkHostKey,
  entryMatches,
  fingerprint,
  keysFor,
  knownHostName,
  parseKnownHosts,
  preferredAlgorithms,
} from './known-hosts.js';

/** A syntactically valid key blob of `type` (random body): matching compares bytes only. */
function blob(type: string): Buffer {
  const name = Buffer.from(type, 'latin1');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(name.length);
  return Buffer.concat([length, name, randomBytes(32)]);
}

const line = (hosts: string, key: Buffer, marker = ''): string =>
  `${marker ? `${marker} ` : ''}${hosts} ${blobKeyType(key)} ${key.toString('base64')} comment`;

function hashed(name: string): string {
  const salt = randomBytes(20);
  const hash = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')}`;
}

describe('known_hosts', () => {
  const ed25519 = blob('ssh-ed25519');
  const rsa = blob('ssh-rsa');

  it('names a host as OpenSSH looks it up: plain on port 22, [host]:port elsewhere', () => {
    expect(knownHostName('Compute-2.Example', 22)).toBe('compute-2.example');
    expect(knownHostName('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222');
  });

  it('prints fingerprints as ssh-keygen -l does (SHA256, base64 without padding)', () => {
    expect(fingerprint(Buffer.from('abc'))).toBe(
      'SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0',
    );
  });

  it('matches plain names, [host]:port, wildcards, negations and hashed names', () => {
    expect(entryMatches({ hosts: 'a.example,b.example' }, 'b.example')).toBe(true);
    expect(entryMatches({ hosts: 'a.example' }, '[a.example]:2222')).toBe(false);
    expect(entryMatches({ hosts: '[a.example]:2222' }, '[a.example]:2222')).toBe(true);
    expect(entryMatches({ hosts: '*.example' }, 'compute-1.example')).toBe(true);
    expect(entryMatches({ hosts: 'compute-?.example' }, 'compute-12.example')).toBe(false);
    expect(entryMatches({ hosts: '*.example,!bad.example' }, 'bad.example')).toBe(false);
    expect(entryMatches({ hosts: hashed('[10.0.0.5]:2222') }, '[10.0.0.5]:2222')).toBe(true);
    expect(entryMatches({ hosts: hashed('10.0.0.5') }, '[10.0.0.5]:2222')).toBe(false);
  });

  it('skips comments, unknown markers and lines whose key does not decode to its type', () => {
    const text = [
      '# comment',
      '',
      line('good', ed25519),
      `bad ssh-rsa ${ed25519.toString('base64')}`,
      `bad ssh-ed25519 not-base64!`,
      line('odd', ed25519, '@unknown'),
    ].join('\n');
    expect(parseKnownHosts(text).map((e) => e.hosts)).toEqual(['good']);
  });

  it('trusts exactly the listed key; a different key is a changed host key', () => {
    const entries = parseKnownHosts(`${line('h', ed25519)}\n`);
    expect(checkHostKey(entries, 'h', ed25519, 'kh')).toEqual({ trusted: true });
    const other = blob('ssh-ed25519');
    const verdict = checkHostKey(entries, 'h', other, 'kh');
    expect(verdict.trusted).toBe(false);
    if (!verdict.trusted) {
      expect(verdict.reason).toContain(fingerprint(other));
      expect(verdict.reason).toContain(`known: ssh-ed25519 ${fingerprint(ed25519)} (line 1)`);
      expect(verdict.reason).toContain('changed');
    }
  });

  it('refuses a host it does not list, naming the offered fingerprint', () => {
    const verdict = checkHostKey(parseKnownHosts(line('other', ed25519)), 'h', rsa, 'kh');
    expect(verdict).toEqual({
      trusted: false,
      reason: `h is not in kh; the server offered the ssh-rsa key ${fingerprint(rsa)}`,
    });
  });

  it('refuses a @revoked key even when it is also listed, and ignores @cert-authority', () => {
    const text = [
      line('h', ed25519),
      line('*', ed25519, '@revoked'),
      line('h', rsa, '@cert-authority'),
    ];
    const entries = parseKnownHosts(text.join('\n'));
    const verdict = checkHostKey(entries, 'h', ed25519, 'kh');
    expect(verdict.trusted).toBe(false);
    if (!verdict.trusted) expect(verdict.reason).toContain('@revoked');
    expect(keysFor(entries, 'h')).toHaveLength(1);
    expect(checkHostKey(entries, 'h', rsa, 'kh').trusted).toBe(false);
  });

  it('offers the host key algorithms of the known keys first', () => {
    const entries = parseKnownHosts(line('h', rsa));
    const algorithms = preferredAlgorithms(keysFor(entries, 'h'));
    expect(algorithms.slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(algorithms).toContain('ssh-ed25519');
    expect(new Set(algorithms).size).toBe(algorithms.length);
  });
});
