import type { Rng } from './rng.js';

/** The names attack dictionaries start with, most tried first (from public honeypot reports). */
export const ATTACK_NAMES = [
  'root',
  'admin',
  'user',
  'test',
  'ubuntu',
  'oracle',
  'postgres',
  'guest',
  'ftpuser',
  'pi',
  'support',
  'mysql',
  'git',
  'hadoop',
  'nagios',
  'jenkins',
  'tomcat',
  'www',
  'ec2-user',
  'centos',
  'debian',
  'dev',
  'testuser',
  'administrator',
  'operator',
  'minecraft',
  'steam',
  'ts3',
  'docker',
  'ansible',
  'elastic',
  'odoo',
  'sftp',
  'vagrant',
  'zabbix',
  'redis',
  'es',
  'user1',
  'test1',
  'bitrix',
  'demo',
  'student',
  'sinusbot',
  'solana',
];

/** Real users of the simulated host: none of them is in ATTACK_NAMES. */
export const STAFF = [
  'alice',
  'bkumar',
  'chen.li',
  'dmitri',
  'esther',
  'farid',
  'gwen',
  'hiro',
  'ines',
  'jmartin',
  'kofi',
  'lena',
  'mateo',
  'nadia',
  'olu',
  'priya',
  'quentin',
  'rosa',
  'sven',
  'tamar',
  'umar',
  'vera',
  'wei',
  'ximena',
  'yusuf',
  'zoe',
  'agnes',
  'bruno',
  'carmen',
  'dara',
  'emil',
  'fatima',
  'goran',
  'hana',
  'ivan',
  'jana',
  'karim',
  'lucia',
  'marek',
  'noor',
  'otto',
  'paula',
  'rafael',
  'sara',
  'tomas',
  'ulla',
  'vikram',
  'wanda',
  'yara',
  'zeno',
];

/** `n` distinct pronounceable names, sorted: the alphabetical dictionary of a "Hail Mary" campaign. */
export function sortedDictionary(rng: Rng, n: number): string[] {
  const consonants = 'bcdfghjklmnprstvz';
  const vowels = 'aeiou';
  const out = new Set<string>();
  while (out.size < n) {
    let name = '';
    const syllables = rng.int(2, 3);
    for (let i = 0; i < syllables; i++) name += rng.pick([...consonants]) + rng.pick([...vowels]);
    if (rng.chance(0.3)) name += rng.int(1, 99);
    out.add(name);
  }
  return [...out].sort();
}
