// Local stack for development and tests: installs (once, cached outside the repo)
// and runs the Temporal dev server, the Temporal test server, moto and PostgreSQL,
// all on 127.0.0.1, and makes sure nothing is left running.
export type { Report } from './report.js';
export { defaultReport } from './report.js';
export { cacheDir } from './cache.js';
export { ensureTemporalCli } from './temporal-cli.js';
export { ensureTestServer } from './test-server.js';
export { ensureMotoServer, startMoto } from './moto.js';
export { LOCAL_OPS_ROLE_ARN } from './moto-launcher.js';
export { ensurePostgresBin } from './postgres-bin.js';
export { startPostgres, DATABASE_NAME } from './postgres.js';
export { startTemporalDevServer, type SearchAttributeType } from './temporal-dev-server.js';
export { freePort, portAccepts } from './ports.js';
export { stopAll, type RunningService } from './service.js';
