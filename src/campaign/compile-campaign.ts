/** A valid Campaign document → the model's Campaign, with every default applied. */
import type { Campaign, Parallelism, UpgradeTarget, VerifyCheck } from '../model/campaign.js';
import { CAMPAIGN_DEFAULTS as D } from './defaults.js';
import { durationMs, durationSeconds } from './durations.js';
import type { CampaignDocument } from './schema.js';

type Spec = CampaignDocument['spec'];

export function compileCampaign(doc: CampaignDocument): Campaign {
  const spec = doc.spec;
  const campaign: Campaign = {
    name: doc.metadata.name,
    mode: spec.mode ?? D.mode,
    upgrades: spec.upgrades.map(compileUpgrade),
    targets: {
      roles: spec.targets?.roles ?? [],
      labels: spec.targets?.labels ?? {},
      exclude: spec.targets?.exclude ?? [],
    },
    rollout: compileRollout(spec.rollout),
    guards: {
      scaleUp: spec.guards?.scaleUp ?? D.guards.scaleUp,
      alarms: spec.guards?.alarms ?? D.guards.alarms,
      maxInterruptionMs: durationMs(spec.guards?.maxInterruption ?? D.guards.maxInterruption),
    },
    coordination: {
      notifyVnfm: spec.coordination?.notifyVnfm ?? D.coordination.notifyVnfm,
      leadTime: durationSeconds(spec.coordination?.leadTime ?? D.coordination.leadTime),
      ackTimeout: durationSeconds(spec.coordination?.ackTimeout ?? D.coordination.ackTimeout),
      onNoAck: spec.coordination?.onNoAck ?? D.coordination.onNoAck,
    },
    timeouts: compileTimeouts(spec.timeouts),
    backup: spec.backup ?? D.backup,
    verify: (spec.verify ?? []).map(compileVerify),
  };
  return spec.site === undefined ? campaign : { ...campaign, site: spec.site };
}

function compileUpgrade(u: Spec['upgrades'][number]): UpgradeTarget {
  const target = { component: u.component, to: u.to };
  return u.activation === undefined ? target : { ...target, activation: u.activation };
}

function compileRollout(r: Spec['rollout']): Campaign['rollout'] {
  return {
    maxParallel: parallelism(r?.maxParallel ?? D.maxParallel),
    maxPerFailureDomain: r?.maxPerFailureDomain ?? {},
    instanceAction: r?.instanceAction ?? D.instanceAction,
    onFailure: {
      action: r?.onFailure?.action ?? D.onFailure.action,
      maxFailedHosts: r?.onFailure?.maxFailedHosts ?? D.onFailure.maxFailedHosts,
    },
    onMigrationTimeout: r?.onMigrationTimeout ?? D.onMigrationTimeout,
  };
}

/** `10%` → percent 10; `4` → absolute 4. */
export function parallelism(value: number | string): Parallelism {
  if (typeof value === 'number') return { kind: 'absolute', value };
  return { kind: 'percent', value: parseFloat(value) };
}

function compileTimeouts(t: Spec['timeouts']): Campaign['timeouts'] {
  const pick = (key: keyof typeof D.timeouts): number =>
    durationSeconds(t?.[key] ?? D.timeouts[key]);
  return {
    evacuate: pick('evacuate'),
    migration: pick('migration'),
    install: pick('install'),
    activate: pick('activate'),
    verify: pick('verify'),
    campaign: pick('campaign'),
  };
}

function compileVerify(v: NonNullable<Spec['verify']>[number]): VerifyCheck {
  const check: VerifyCheck = { name: v.name };
  if (v.check !== undefined) return { ...check, check: v.check };
  return v.exec === undefined ? check : { ...check, exec: v.exec };
}
