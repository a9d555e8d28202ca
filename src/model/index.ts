export * from './inventory.js';
export * from './catalog.js';
export * from './campaign.js';
export * from './version.js';
export * from './plan.js';
export * from './finding.js';
export * from './errors.js';
