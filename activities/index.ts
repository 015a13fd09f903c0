import type { ActivityClients } from './clients.js';
import { createHealthActivities } from './health.js';

export type { ActivityClients } from './clients.js';

/** All activities, built once per worker from its clients. */
export function createActivities(clients: ActivityClients) {
  return {
    ...createHealthActivities(clients),
  };
}

export type Activities = ReturnType<typeof createActivities>;
