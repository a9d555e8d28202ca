/**
 * What happens to each instance when its host is taken out: the campaign's policy applied to
 * what the instance and its VNF allow. The VNF's own availability mechanism is preferred to the
 * infrastructure's when the campaign asks for switch-over (requirements, "Pre-upgrading
 * Environment").
 */
import type { Campaign, Instance, InstanceActionKind, Vnf } from '../model/index.js';

export interface ActionChoice {
  readonly kind: InstanceActionKind;
  readonly reason: string;
}

// Choices whose reason names nothing of the instance are shared: 200,000 instances, a few reasons.
const POLICY_STOP_START: ActionChoice = {
  kind: 'stop-start',
  reason: 'the campaign stops and starts instances in place',
};
const CANNOT_MIGRATE: ActionChoice = {
  kind: 'stop-start',
  reason: 'the instance cannot migrate: stopped during the upgrade, started after',
};
const ONLY_COLD: ActionChoice = {
  kind: 'cold-migrate',
  reason: 'the instance allows only cold migration',
};
const POLICY_COLD: ActionChoice = {
  kind: 'cold-migrate',
  reason: 'the campaign asks for cold migration',
};
const LIVE: ActionChoice = {
  kind: 'live-migrate',
  reason: 'live migration keeps the instance running (sub-second blackout)',
};

/** `spare` = members - minAvailable of the instance's VNF (undefined without a VNF). */
export function chooseAction(
  instance: Instance,
  vnf: Vnf | undefined,
  spare: number | undefined,
  campaign: Campaign,
): ActionChoice {
  const policy = campaign.rollout.instanceAction;
  const redundant = vnf !== undefined && vnf.redundancy !== 'none' && (spare ?? 0) >= 1;
  if (policy === 'stop-start') return POLICY_STOP_START;
  if (policy === 'switch-over' && redundant)
    return {
      kind: 'switch-over',
      reason: `${vnf.name} (${vnf.redundancy}) keeps serving on its other members: its VNFM switches over, the instance stays`,
    };
  if (instance.migration === 'none') return CANNOT_MIGRATE;
  if (policy === 'cold-migrate' || instance.migration === 'cold')
    return instance.migration === 'cold' ? ONLY_COLD : POLICY_COLD;
  return LIVE;
}

/** Whether an action takes the instance out of service (beyond a live-migration blackout). */
export const isOut = (kind: InstanceActionKind): boolean => kind !== 'live-migrate';

/** Whether an action moves the instance to another host. */
export const moves = (kind: InstanceActionKind): boolean =>
  kind === 'live-migrate' || kind === 'cold-migrate';
