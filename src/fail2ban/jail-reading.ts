import type { PyValue } from './python-literal.js';

/** One jail's settings as fail2ban's configuration states them, before f2b-campaign reads them. */
export interface JailText {
  readonly maxretry: PyValue | undefined;
  readonly findtime: PyValue | undefined;
  readonly bantime: PyValue | undefined;
  readonly ignoreip: readonly string[];
  readonly ignoreself: boolean;
  readonly ignorecommand: string;
  /**
   * Why fail2ban would refuse the configuration over one of these settings (a reference it cannot resolve in a jail
   * it runs).
   */
  readonly refusal: string | null;
}

/** What one reader (fail2ban-client -d, or the jail files) says about the two jails f2b-campaign cares about. */
export interface Reading {
  readonly origin: 'fail2ban-client' | 'jail-files';
  /** Null when fail2ban would not run the jail (client) or there is no such section (files). */
  readonly jail: JailText | null;
  readonly campaign: JailText | null;
  /** The jails fail2ban would run. */
  readonly running: readonly string[];
  /** Jail files this reader could not read (so their settings are missing from it), each with why when known. */
  readonly unreadable: ReadonlyMap<string, string>;
}
