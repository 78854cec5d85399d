import type { execa } from 'execa';

let loaded: typeof execa | undefined;

/**
 * execa, loaded the first time a program is to be run. Loading it costs ~17 ms of start-up (a third of what loading
 * all of f2b-campaign's other code costs) in every command, though most runs (`replay --fail2ban-defaults`,
 * `parse`, `status`) never start a program.
 */
export async function loadExeca(): Promise<typeof execa> {
  loaded ??= (await import('execa')).execa;
  return loaded;
}
