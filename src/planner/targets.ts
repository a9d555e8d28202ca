import type { Campaign, Host, Inventory } from '../model/index.js';

/** Hosts the campaign's selectors pick (site, roles, labels, exclusions), in inventory order. */
export function selectTargets(inventory: Inventory, campaign: Campaign): Host[] {
  const { roles, labels, exclude } = campaign.targets;
  const excluded = new Set(exclude);
  const labelEntries = Object.entries(labels);
  return inventory.hosts.filter(
    (h) =>
      (campaign.site === undefined || h.site === campaign.site) &&
      !excluded.has(h.name) &&
      (roles.length === 0 || h.roles.some((r) => roles.includes(r))) &&
      labelEntries.every(([k, v]) => h.labels[k] === v),
  );
}
