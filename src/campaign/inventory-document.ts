/**
 * The model's Inventory back as an Inventory document (what `escalator inventory export`
 * writes): the inverse of `compileInventory`, with defaults left out so the file stays short.
 * Compiling the document again gives the same Inventory.
 */
import type { Inventory } from '../model/inventory.js';
import { API_VERSION, type InventoryDocument } from './schema.js';
import { INVENTORY_DEFAULTS as D } from './defaults.js';
import { durationMs } from './durations.js';

export function inventoryDocument(inventory: Inventory, description?: string): InventoryDocument {
  const defaultTolerated = durationMs(D.toleratedInterruption);
  return {
    apiVersion: API_VERSION,
    kind: 'Inventory',
    metadata: { name: inventory.name, ...(description === undefined ? {} : { description }) },
    spec: {
      sites: inventory.sites.map((s) => ({ name: s.name })),
      flavors: inventory.flavors.map((f) => ({
        name: f.name,
        vcpu: f.vcpu,
        memoryMiB: f.memoryMiB,
      })),
      hosts: inventory.hosts.map((h) => ({
        name: h.name,
        site: h.site,
        roles: [...h.roles],
        ...(Object.keys(h.labels).length === 0 ? {} : { labels: { ...h.labels } }),
        capacity: { vcpu: h.capacity.vcpu, memoryMiB: h.capacity.memoryMiB },
        ...(h.state === D.state ? {} : { state: h.state }),
        ...(h.schedulable ? {} : { scheduling: 'disabled' as const }),
        ...(h.alarms.length === 0
          ? {}
          : {
              alarms: h.alarms.map((a) => ({
                code: a.code,
                severity: a.severity,
                message: a.message,
              })),
            }),
        components: Object.fromEntries(h.components.map((c) => [c.name, c.version])),
      })),
      instances: inventory.instances.map((i) => ({
        name: i.name,
        host: i.host,
        flavor: i.flavor,
        ...(i.migration === D.migration ? {} : { migration: i.migration }),
        ...(i.toleratedInterruptionMs === defaultTolerated
          ? {}
          : { toleratedInterruption: `${i.toleratedInterruptionMs}ms` }),
        ...(i.vnf === undefined ? {} : { vnf: i.vnf }),
      })),
      vnfs: inventory.vnfs.map((v) => ({
        name: v.name,
        redundancy: v.redundancy,
        minAvailable: v.minAvailable,
        ...(v.antiAffinity === D.antiAffinity ? {} : { antiAffinity: v.antiAffinity }),
        ...(v.vnfm === undefined ? {} : { vnfm: v.vnfm }),
      })),
      ...(inventory.clusters.length === 0
        ? {}
        : {
            clusters: inventory.clusters.map((c) =>
              c.kind === 'quorum'
                ? { name: c.name, members: [...c.members], quorum: c.quorum }
                : {
                    name: c.name,
                    members: [...c.members],
                    failureDomain: c.failureDomain,
                    maxDomainsDown: c.maxDomainsDown,
                  },
            ),
          }),
      ...(inventory.sharedServices.length === 0
        ? {}
        : {
            sharedServices: inventory.sharedServices.map((s) => ({
              component: s.component,
              providedBy: s.providedBy,
              usedBy: [...s.usedBy],
            })),
          }),
    },
  };
}
