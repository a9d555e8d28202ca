/** The schema version every document carries (its own module: the CLI's fast path needs no schema). */
export const API_VERSION = 'escalator.dev/v1alpha1';
