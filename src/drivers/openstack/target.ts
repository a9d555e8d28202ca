/**
 * The `OpenStackTarget` document: how Escalator reaches a cloud — Keystone and the credentials
 * (secrets from the environment, never required in the file), the region and interface, how
 * host actions run (SSH and per-action command templates), and what discovery cannot read from
 * Nova (VNF redundancy of server groups, VNF manager endpoints, the projects the scale-up guard
 * closes). Problems are reported like every document's: file, line, column, field.
 *
 * ```yaml
 * apiVersion: escalator.dev/v1alpha1
 * kind: OpenStackTarget
 * metadata: {name: lab}
 * spec:
 *   auth:
 *     url: http://127.0.0.1:5000/v3
 *     applicationCredential: {id: 87c2…, secretEnv: OS_APP_SECRET}
 *   region: RegionOne
 *   hosts:
 *     ssh: {user: root, port: 2222, privateKey: /etc/escalator/id_ed25519, knownHosts: /etc/escalator/known_hosts, address: 127.0.0.1}
 *     commands:
 *       versions: [/usr/local/bin/host.sh, "{host}", versions]
 *       install: [/usr/local/bin/host.sh, "{host}", install, "{component}", "{version}"]
 * ```
 */
import { Type, type Static, type TProperties, type ObjectOptions } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { parseDocument, type ParsedDocument } from '../../campaign/load.js';
import type { PendingProblem } from '../../campaign/problems.js';
import { API_VERSION, DURATION_PATTERN, NAME_PATTERN } from '../../campaign/schema.js';
import { checkedDocument } from '../../campaign/schema-check.js';
import { parseDuration } from '../../model/duration.js';
import type { RedundancyModel } from '../../model/index.js';
import type { Credentials, Interface } from './keystone.js';

// ---------------------------------------------------------------- compiled

/** Placeholders a command template may use. */
export const PLACEHOLDERS = ['host', 'component', 'version', 'command', 'ref', 'items'] as const;

export const HOST_COMMANDS = [
  'versions',
  'install',
  'restart',
  'reboot',
  'command',
  'backup',
  'restore',
] as const;
export type HostCommand = (typeof HOST_COMMANDS)[number];

export interface SshSettings {
  readonly user: string;
  readonly port: number;
  readonly privateKey: string;
  readonly knownHosts: string;
  readonly passphraseEnv?: string;
  /** One address for every host (a lab); else `addresses`, else the host name itself. */
  readonly address?: string;
  readonly addresses: Readonly<Record<string, string>>;
  readonly connectTimeoutSeconds: number;
}

export interface VnfSettings {
  readonly redundancy?: RedundancyModel;
  readonly minAvailable?: number;
  readonly vnfm?: string;
  readonly toleratedInterruptionMs?: number;
}

export interface OpenStackTarget {
  readonly name: string;
  readonly authUrl: string;
  /** Unresolved: secrets are read from the environment when the session starts. */
  readonly credentials: CredentialsSpec;
  readonly region?: string;
  readonly interface: Interface;
  readonly requestTimeoutSeconds: number;
  /** The inventory's site name for this cloud. */
  readonly site: string;
  readonly ssh?: SshSettings;
  readonly commands: Partial<Readonly<Record<HostCommand, readonly string[]>>>;
  /** Seconds a host action may take (a reboot included). */
  readonly hostActionTimeoutSeconds: number;
  readonly vnfs: Readonly<Record<string, VnfSettings>>;
  /** Projects (names or ids) whose quotas the scale-up guard closes; empty: those with servers. */
  readonly scaleUpProjects: readonly string[];
  readonly toleratedInterruptionMs: number;
  /** Seconds to wait for a VNF manager's answer over HTTP. */
  readonly vnfmTimeoutSeconds: number;
}

export type CredentialsSpec =
  | {
      readonly kind: 'password';
      readonly username: string;
      readonly password?: string;
      readonly passwordEnv?: string;
      readonly userDomain: string;
      readonly project: string;
      readonly projectDomain: string;
    }
  | {
      readonly kind: 'application-credential';
      readonly id: string;
      readonly secret?: string;
      readonly secretEnv?: string;
    };

/**
 * The credentials with their secrets, from the document or the environment.
 * @throws Error naming the variable when a secret is missing.
 */
export function resolveCredentials(
  spec: CredentialsSpec,
  env: NodeJS.ProcessEnv = process.env,
): Credentials {
  const secret = (
    value: string | undefined,
    variable: string | undefined,
    what: string,
  ): string => {
    if (value !== undefined) return value;
    const fromEnv = variable === undefined ? undefined : env[variable];
    if (fromEnv === undefined || fromEnv === '')
      throw new Error(
        variable === undefined
          ? `the target gives no ${what}`
          : `the ${what} is read from the environment variable ${variable}, which is not set`,
      );
    return fromEnv;
  };
  if (spec.kind === 'password')
    return {
      kind: 'password',
      username: spec.username,
      password: secret(spec.password, spec.passwordEnv ?? 'OS_PASSWORD', 'password'),
      userDomain: spec.userDomain,
      project: spec.project,
      projectDomain: spec.projectDomain,
    };
  return {
    kind: 'application-credential',
    id: spec.id,
    secret: secret(spec.secret, spec.secretEnv ?? 'OS_APPLICATION_CREDENTIAL_SECRET', 'secret'),
  };
}

/** A command template with its placeholders filled; unknown placeholders stay as written. */
export function fillCommand(
  template: readonly string[],
  values: Partial<Readonly<Record<(typeof PLACEHOLDERS)[number], string>>>,
): string[] {
  return template.map((arg) =>
    arg.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const v = (values as Record<string, string | undefined>)[name];
      return v === undefined ? whole : v;
    }),
  );
}

// ---------------------------------------------------------------- schema

const closed = <T extends TProperties>(properties: T, options: ObjectOptions = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });
const Name = Type.String({ minLength: 1, maxLength: 253, pattern: NAME_PATTERN, title: 'name' });
const Text = Type.String({ minLength: 1 });
const EnvName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', title: 'environment variable' });
const Duration = Type.Union(
  [Type.String({ pattern: DURATION_PATTERN }), Type.Number({ minimum: 0 })],
  { title: 'duration', examples: ['30s', '15m'] },
);
const Url = Type.String({ pattern: '^https?://', title: 'URL' });
const Argv = Type.Array(Text, {
  minItems: 1,
  description: `A command as argv; placeholders: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`,
});

export const OpenStackTargetSchema = closed({
  apiVersion: Type.Literal(API_VERSION),
  kind: Type.Literal('OpenStackTarget'),
  metadata: closed({ name: Name, description: Type.Optional(Type.String()) }),
  spec: closed({
    auth: closed({
      url: Url,
      password: Type.Optional(
        closed({
          username: Text,
          password: Type.Optional(Text),
          passwordEnv: Type.Optional(EnvName),
          userDomain: Type.Optional(Text),
          project: Text,
          projectDomain: Type.Optional(Text),
        }),
      ),
      applicationCredential: Type.Optional(
        closed({ id: Text, secret: Type.Optional(Text), secretEnv: Type.Optional(EnvName) }),
      ),
    }),
    region: Type.Optional(Text),
    interface: Type.Optional(
      Type.Union([Type.Literal('public'), Type.Literal('internal'), Type.Literal('admin')]),
    ),
    requestTimeout: Type.Optional(Duration),
    site: Type.Optional(Name),
    hosts: Type.Optional(
      closed({
        ssh: Type.Optional(
          closed({
            user: Text,
            port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
            privateKey: Text,
            knownHosts: Text,
            passphraseEnv: Type.Optional(EnvName),
            address: Type.Optional(Text),
            addresses: Type.Optional(Type.Record(Type.String(), Text)),
            connectTimeout: Type.Optional(Duration),
          }),
        ),
        commands: Type.Optional(
          closed({
            versions: Type.Optional(Argv),
            install: Type.Optional(Argv),
            restart: Type.Optional(Argv),
            reboot: Type.Optional(Argv),
            command: Type.Optional(Argv),
            backup: Type.Optional(Argv),
            restore: Type.Optional(Argv),
          }),
        ),
        actionTimeout: Type.Optional(Duration),
      }),
    ),
    vnfs: Type.Optional(
      Type.Record(
        Type.String(),
        closed({
          redundancy: Type.Optional(
            Type.Union([
              Type.Literal('active-standby'),
              Type.Literal('n+m'),
              Type.Literal('load-balanced'),
              Type.Literal('none'),
            ]),
          ),
          minAvailable: Type.Optional(Type.Integer({ minimum: 0 })),
          vnfm: Type.Optional(Url),
          toleratedInterruption: Type.Optional(Duration),
        }),
      ),
    ),
    scaleUp: Type.Optional(closed({ projects: Type.Array(Text) })),
    toleratedInterruption: Type.Optional(Duration),
    vnfmTimeout: Type.Optional(Duration),
  }),
});
export type OpenStackTargetDocument = Static<typeof OpenStackTargetSchema>;

const validate = new Ajv({ allErrors: true, strict: true }).compile<OpenStackTargetDocument>(
  OpenStackTargetSchema,
);

const seconds = (d: string | number | undefined, otherwise: number): number => {
  if (d === undefined) return otherwise;
  const parsed = parseDuration(d);
  if (!parsed.ok) throw new RangeError(`invalid duration in a validated target: ${parsed.reason}`);
  return parsed.seconds;
};

/** @throws DocumentError with every problem, positioned in the file. */
export function targetFromDocument(parsed: ParsedDocument): OpenStackTarget {
  return checkedDocument(parsed, OpenStackTargetSchema, validate, semanticProblems, compileTarget);
}

export function targetFromText(text: string, file: string): OpenStackTarget {
  return targetFromDocument(parseDocument(text, file));
}

function semanticProblems(doc: OpenStackTargetDocument): PendingProblem[] {
  const problems: PendingProblem[] = [];
  const a = doc.spec.auth;
  if ((a.password === undefined) === (a.applicationCredential === undefined))
    problems.push({
      path: ['spec', 'auth'],
      expected: 'password or applicationCredential',
      found: a.password === undefined ? 'neither' : 'both',
      message: 'auth needs exactly one of password and applicationCredential',
    });
  if (a.password?.password !== undefined && a.password.passwordEnv !== undefined)
    problems.push({
      path: ['spec', 'auth', 'password', 'passwordEnv'],
      expected: 'password or passwordEnv',
      found: 'both',
      message: 'give the password or the variable it is read from, not both',
    });
  const c = a.applicationCredential;
  if (c?.secret !== undefined && c.secretEnv !== undefined)
    problems.push({
      path: ['spec', 'auth', 'applicationCredential', 'secretEnv'],
      expected: 'secret or secretEnv',
      found: 'both',
      message: 'give the secret or the variable it is read from, not both',
    });
  const commands = doc.spec.hosts?.commands ?? {};
  for (const [name, argv] of Object.entries(commands))
    argv?.forEach((arg, i) => {
      for (const m of arg.matchAll(/\{(\w+)\}/g))
        if (!(PLACEHOLDERS as readonly string[]).includes(m[1] ?? ''))
          problems.push({
            path: ['spec', 'hosts', 'commands', name, i],
            expected: `a placeholder among ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
            found: m[0],
            message: `unknown placeholder ${m[0]}`,
          });
    });
  if (Object.keys(commands).length > 0 && doc.spec.hosts?.ssh === undefined)
    problems.push({
      path: ['spec', 'hosts', 'ssh'],
      expected: 'SSH settings for the host commands',
      found: 'none',
      message: 'host commands run over SSH: give hosts.ssh',
    });
  return problems;
}

export function compileTarget(doc: OpenStackTargetDocument): OpenStackTarget {
  const s = doc.spec;
  const p = s.auth.password;
  const c = s.auth.applicationCredential;
  const credentials: CredentialsSpec = p
    ? {
        kind: 'password',
        username: p.username,
        ...(p.password === undefined ? {} : { password: p.password }),
        ...(p.passwordEnv === undefined ? {} : { passwordEnv: p.passwordEnv }),
        userDomain: p.userDomain ?? 'Default',
        project: p.project,
        projectDomain: p.projectDomain ?? 'Default',
      }
    : {
        kind: 'application-credential',
        id: c?.id ?? '',
        ...(c?.secret === undefined ? {} : { secret: c.secret }),
        ...(c?.secretEnv === undefined ? {} : { secretEnv: c.secretEnv }),
      };
  const ssh = s.hosts?.ssh;
  const vnfs: Record<string, VnfSettings> = {};
  for (const [name, v] of Object.entries(s.vnfs ?? {}))
    vnfs[name] = {
      ...(v.redundancy === undefined ? {} : { redundancy: v.redundancy }),
      ...(v.minAvailable === undefined ? {} : { minAvailable: v.minAvailable }),
      ...(v.vnfm === undefined ? {} : { vnfm: v.vnfm }),
      ...(v.toleratedInterruption === undefined
        ? {}
        : { toleratedInterruptionMs: seconds(v.toleratedInterruption, 0) * 1000 }),
    };
  return {
    name: doc.metadata.name,
    authUrl: s.auth.url,
    credentials,
    ...(s.region === undefined ? {} : { region: s.region }),
    interface: s.interface ?? 'public',
    requestTimeoutSeconds: seconds(s.requestTimeout, 30),
    site: s.site ?? s.region ?? doc.metadata.name,
    ...(ssh === undefined
      ? {}
      : {
          ssh: {
            user: ssh.user,
            port: ssh.port ?? 22,
            privateKey: ssh.privateKey,
            knownHosts: ssh.knownHosts,
            ...(ssh.passphraseEnv === undefined ? {} : { passphraseEnv: ssh.passphraseEnv }),
            ...(ssh.address === undefined ? {} : { address: ssh.address }),
            addresses: ssh.addresses ?? {},
            connectTimeoutSeconds: seconds(ssh.connectTimeout, 10),
          },
        }),
    commands: { ...(s.hosts?.commands ?? {}) },
    hostActionTimeoutSeconds: seconds(s.hosts?.actionTimeout, 1800),
    vnfs,
    scaleUpProjects: s.scaleUp?.projects ?? [],
    toleratedInterruptionMs: seconds(s.toleratedInterruption, 0.5) * 1000,
    vnfmTimeoutSeconds: seconds(s.vnfmTimeout, 30),
  };
}
