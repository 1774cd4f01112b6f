import { execFileSync } from 'node:child_process';
import path from 'node:path';

// Tests that spawn the CLI run the compiled dist/: compile it once, so it always matches src/.
// Type errors fail `npm test` earlier (pretest); here emitting is what matters.
export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '..');
  try {
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
  } catch (err) {
    process.stderr.write(`warning: tsc reported errors while building dist/:\n${(err as { stdout?: Buffer }).stdout?.toString() ?? ''}\n`);
  }
}
