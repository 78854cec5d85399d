// Writes the shipped /etc/f2b-campaign/f2b-campaign.conf from the SECTIONS registry (src/config/sections), so the
// conffile lists every key the program knows, with its documentation and its default, all commented out.
// Run by debian/rules at build time: `node debian/gen-conf.mjs > debian/build/f2b-campaign.conf`.
import { duration, SECTIONS } from '../scripts/config-sections.mjs';

function value(spec) {
  const v = spec.default;
  if (spec.type === 'duration') return duration(v);
  if (Array.isArray(v)) return v.join(' ');
  return String(v);
}

/** Wraps documentation at 100 columns as `# ` comment lines. */
function comment(text) {
  const lines = [];
  let line = '#';
  for (const word of text.split(/\s+/)) {
    if (line.length + word.length + 1 > 100 && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines.join('\n');
}

const out = [
  '# /etc/f2b-campaign/f2b-campaign.conf: configuration of the f2b-campaign service.',
  '#',
  '# Every key is listed below with its documentation and its default value, commented out: the service uses',
  '# the default of any key left commented. To change one, remove the leading "#" of its key line.',
  '# Durations take s, m, h, d, w (e.g. 90s, 10m, 2h). Lists are separated by spaces or commas.',
  '# A "#" or ";" after a space starts a comment; a value with one inside a word goes in double quotes.',
  '# Restart the service after a change: systemctl restart f2b-campaign.',
  '#',
  "# If you move verdict_log, set the same path as logpath in /etc/fail2ban/jail.d/f2b-campaign.local.",
];
for (const section of SECTIONS) {
  out.push('', comment(section.doc), `[${section.name}]`);
  for (const spec of section.keys) {
    out.push('', comment(spec.doc));
    if (spec.type === 'enum' && spec.choices) out.push(`# One of: ${spec.choices.join(', ')}.`);
    const bounds = [];
    if (spec.min !== undefined) bounds.push(`at least ${spec.type === 'duration' ? duration(spec.min) : spec.min}`);
    if (spec.max !== undefined) bounds.push(`at most ${spec.type === 'duration' ? duration(spec.max) : spec.max}`);
    if (spec.above !== undefined) bounds.push(`more than ${spec.above}`);
    if (spec.notBelow !== undefined) bounds.push(`at least ${spec.notBelow}`);
    if (bounds.length > 0) out.push(`# Allowed: ${bounds.join(', ')}.`);
    out.push(`#${spec.key} = ${value(spec)}`);
  }
}
process.stdout.write(`${out.join('\n')}\n`);
