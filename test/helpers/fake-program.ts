import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes an executable shell script `name` into the directory `bin` (made if missing), to stand in for a real
 * program (fail2ban-client, journalctl) when `bin` comes first in PATH. Returns `bin`.
 */
export function fakeProgram(bin: string, name: string, script: string): string {
  mkdirSync(bin, { recursive: true });
  const path = join(bin, name);
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  return bin;
}
