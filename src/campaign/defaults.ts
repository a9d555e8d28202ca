/**
 * Every default of the three documents, written as a document would write it. The schemas
 * show them (`default` annotations, hence the generated reference) and the compilers apply
 * them, so the documented default and the applied one cannot drift apart.
 */

export const INVENTORY_DEFAULTS = {
  state: 'up',
  scheduling: 'enabled',
  alarmMessage: '',
  migration: 'live',
  toleratedInterruption: '500ms',
  antiAffinity: 'none',
  maxDomainsDown: 1,
} as const;

export const CATALOG_DEFAULTS = {
  upgradeFrom: '*',
  coexistsWith: '*',
  scope: 'site',
  activation: 'restart',
  durations: { install: '5m', activate: '2m', verify: '1m' },
} as const;

export const CAMPAIGN_DEFAULTS = {
  mode: 'smooth',
  maxParallel: '10%',
  instanceAction: 'live-migrate',
  onFailure: { action: 'pause', maxFailedHosts: 0 },
  onMigrationTimeout: 'abort',
  guards: { scaleUp: 'disable', alarms: 'strict', maxInterruption: '500ms' },
  coordination: { notifyVnfm: true, leadTime: '60s', ackTimeout: '5m', onNoAck: 'pause' },
  timeouts: {
    evacuate: '15m',
    migration: '10m',
    install: '10m',
    activate: '20m',
    verify: '5m',
    campaign: '8h',
  },
  backup: ['versions', 'config'],
} as const;
