// Progress reporting: installs and starts can take a while on first use, so the
// user is told what is happening instead of staring at a silent terminal.
export type Report = (message: string) => void;

// stderr, so progress never mixes with a command's machine-readable stdout.
export const defaultReport: Report = (message) => {
  process.stderr.write(`› ${message}\n`);
};
