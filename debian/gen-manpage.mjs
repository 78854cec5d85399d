// Writes the f2b-campaign(1) manual page from the program's own --help texts, so the page lists exactly the
// commands and options the packaged program has. Run by debian/rules after the bundle is built.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const program = 'dist/f2b-campaign.mjs';
const help = (...args) => execFileSync(process.execPath, [program, ...args, '--help'], { encoding: 'utf8' });
const version = JSON.parse(readFileSync('package.json', 'utf8')).version;

/** roff-escapes a line of plain text: backslashes, leading dots and quotes, and hyphens. */
const roff = (line) =>
  line
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/, '\\&$1');

const main = help();
const commands = [];
let inCommands = false;
for (const line of main.split('\n')) {
  if (line === 'commands:') inCommands = true;
  else if (inCommands && /^ {2}\S/.test(line)) commands.push(line.trim().split(/\s+/)[0]);
  else if (inCommands && line.trim() === '') inCommands = false;
}
const description = main
  .split('\n\n')[1]
  .replace(/\s+/g, ' ')
  .trim();

const out = [
  `.TH F2B-CAMPAIGN 1 "" "f2b-campaign ${version}" "User Commands"`,
  '.SH NAME',
  'f2b\\-campaign \\- fail2ban companion that bans coordinated SSH campaigns',
  '.SH SYNOPSIS',
  '.B f2b\\-campaign',
  '.I command',
  '.RI [ options ]',
  '.SH DESCRIPTION',
  roff(description),
  '.PP',
  'The packaged service (f2b\\-campaign.service) runs',
  '.B f2b\\-campaign run',
  'as the f2b\\-campaign user with /etc/f2b\\-campaign/f2b\\-campaign.conf and appends verdict lines to',
  '/var/log/f2b\\-campaign/verdicts.log, which the fail2ban jail f2b\\-campaign',
  '(/etc/fail2ban/jail.d/f2b\\-campaign.conf) watches.',
  '.SH COMMANDS',
];
for (const command of commands) {
  out.push('.SS', `.B ${command}`, '.nf');
  for (const line of help(command).trimEnd().split('\n')) out.push(roff(line));
  out.push('.fi');
}
out.push(
  '.SH FILES',
  '.TP',
  '/etc/f2b\\-campaign/f2b\\-campaign.conf',
  'Configuration; every key is listed there, commented out, with its default.',
  '.TP',
  '/var/log/f2b\\-campaign/verdicts.log',
  'Verdict lines (BAN, ALERT, CAMPAIGN); read by fail2ban, rotated daily and kept 90 days.',
  '.TP',
  '/etc/fail2ban/jail.d/f2b\\-campaign.conf, /etc/fail2ban/filter.d/f2b\\-campaign.conf',
  'The bundled jail and filter; override in jail.d/f2b\\-campaign.local.',
  '.SH SEE ALSO',
  '.BR fail2ban (1),',
  '.BR jail.conf (5)',
);
process.stdout.write(`${out.join('\n')}\n`);
