import { once } from 'node:events';
import { statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { chooseFail2banSource } from '../../audit/fail2ban-source.js';
import { Progress } from '../../audit/progress.js';
import { renderHtml } from '../../audit/report-html.js';
import { reportJsonChunks } from '../../audit/report-json.js';
import { renderTable } from '../../audit/report-table.js';
import { listRotated } from '../../audit/rotated-files.js';
import { runAudit } from '../../audit/run-audit.js';
import { parseDuration } from '../../config/duration.js';
import { loadConfig } from '../../config/load-config.js';
import { F2bCampaignError } from '../../core/errors.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';

const DEFAULT_CONFIG = '/etc/f2b-campaign/f2b-campaign.conf';
const DEFAULT_FAIL2BAN_LOG = '/var/log/fail2ban.log';

const usage = `usage: f2b-campaign audit [options]

Answers "which campaigns ran, who was banned, who was not and why" from the verdict log and fail2ban's log,
each with its rotated siblings (.1, .2.gz, ...). Shows a table; --json for scripts; --html FILE for a
self-contained report with a timeline per campaign.

  --config FILE        f2b-campaign config, for the verdict log's path (default ${DEFAULT_CONFIG})
  --verdicts FILE      the verdict log (default: [service] verdict_log)
  --fail2ban-log FILE  fail2ban's log (default ${DEFAULT_FAIL2BAN_LOG}; its times are read as local time)
  --fail2ban-journal   read fail2ban's history from the journal instead (journalctl _COMM=fail2ban-server), for
                       logtarget = SYSTEMD-JOURNAL or SYSLOG; the default when no fail2ban log exists and
                       journalctl is installed
  --auth-log FILE      sshd log (with rotations) for each member's attempts and the usernames tried; repeatable
  --jail NAME          the jail reading the verdict log (default f2b-campaign)
  --match-window DUR   how long after a BAN verdict a fail2ban Ban still answers it (default 1d, the jail's findtime)
  --since TIME         only verdicts at or after TIME: RFC 3339 or YYYY-MM-DD (UTC unless an offset is given),
                       or a duration back from now (7d, 12h)
  --until TIME         only verdicts at or before TIME (same forms)
  --campaign ID        only this campaign (its members are listed one by one)
  --ip ADDR            explain one address: every verdict and fail2ban event naming it
  --json               the report as JSON on stdout
  --html FILE          also write the HTML report to FILE`;

/** `2026-02-15`, `2026-02-15T14:00:00Z`, or `7d` (that long before `now`) to milliseconds. */
export function parseTimeArg(text: string, now: number, option: string): number {
  if (/^\d+(\.\d+)?(ms|s|m|h|d|w)/.test(text)) return now - parseDuration(text);
  const zoned = /(Z|[+-]\d\d:?\d\d)$/.test(text) || /^\d{4}-\d\d-\d\d$/.test(text) ? text : `${text}Z`;
  const time = Date.parse(zoned);
  if (!Number.isFinite(time))
    throw new UsageError(`${option}: expected RFC 3339, YYYY-MM-DD or a duration, got ${JSON.stringify(text)}`);
  return time;
}

/** A log named on the command line: it, or a rotation of it, must be a file (or, unless `required`, be absent). */
function namedLog(path: string, option: string, required: boolean): void {
  if (listRotated(path).length > 0) return;
  let why: string;
  try {
    if (statSync(path).isFile()) return; // unreadable: the audit says so, naming the file
    why = 'not a regular file';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return;
    why = code === 'ENOENT' ? 'no such file, nor rotations of it' : `cannot read it (${code})`;
  }
  throw new F2bCampaignError('input', `${option} ${path}: ${why}`);
}

export const auditCommand: Command = {
  name: 'audit',
  usage,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string' },
        verdicts: { type: 'string' },
        'fail2ban-log': { type: 'string' },
        'fail2ban-journal': { type: 'boolean', default: false },
        jail: { type: 'string', default: 'f2b-campaign' },
        'auth-log': { type: 'string', multiple: true },
        'match-window': { type: 'string', default: '1d' },
        since: { type: 'string' },
        until: { type: 'string' },
        campaign: { type: 'string' },
        ip: { type: 'string' },
        json: { type: 'boolean', default: false },
        html: { type: 'string' },
      },
      allowPositionals: false,
    });
    if (positionals.length > 0) throw new UsageError('audit takes no positional arguments');
    if (values['fail2ban-journal'] && values['fail2ban-log'] !== undefined)
      throw new UsageError('--fail2ban-log and --fail2ban-journal are two sources of the same history: give one');
    const fail2ban = chooseFail2banSource({
      log: values['fail2ban-log'],
      journal: values['fail2ban-journal'],
      defaultLog: DEFAULT_FAIL2BAN_LOG,
      pathEnv: process.env['PATH'],
    });
    const now = Date.now();
    let verdictLog = values.verdicts;
    if (verdictLog === undefined) {
      const config = loadConfig(values.config ?? DEFAULT_CONFIG, values.config !== undefined);
      verdictLog = String(config.values['service']?.['verdict_log']);
    }
    let matchWindow: number;
    try {
      matchWindow = parseDuration(values['match-window']);
    } catch {
      throw new UsageError(
        `--match-window: expected a duration like 1d, got ${JSON.stringify(values['match-window'])}`,
      );
    }
    const since = values.since === undefined ? undefined : parseTimeArg(values.since, now, '--since');
    const until = values.until === undefined ? undefined : parseTimeArg(values.until, now, '--until');
    if (since !== undefined && until !== undefined && since > until)
      throw new UsageError(`--since ${values.since} is after --until ${values.until}: nothing can match`);
    // An address is compared as one: a typo would match nothing and report "0 verdicts", which reads as good news.
    if (values.ip !== undefined && isIP(values.ip) === 0)
      throw new UsageError(`--ip: expected an IPv4 or IPv6 address, got ${JSON.stringify(values.ip)}`);
    // A verdict or sshd log named on the command line must be there (or its rotations): a typo would otherwise audit
    // nothing and report "0 campaigns", which reads as good news. A missing fail2ban log is a finding of the audit
    // (every ban "no-fail2ban-log", docs/audit.md), but not a directory or a device in its place.
    if (values.verdicts !== undefined) namedLog(values.verdicts, '--verdicts', true);
    if (values['fail2ban-log'] !== undefined) namedLog(values['fail2ban-log'], '--fail2ban-log', false);
    for (const path of values['auth-log'] ?? []) namedLog(path, '--auth-log', true);
    const filters = {
      ...(since === undefined ? {} : { since }),
      ...(until === undefined ? {} : { until }),
      ...(values.campaign === undefined ? {} : { campaign: values.campaign }),
      ...(values.ip === undefined ? {} : { ip: values.ip }),
    };
    const report = await runAudit({
      verdictLog,
      fail2banLog: fail2ban.kind === 'file' ? fail2ban.path : DEFAULT_FAIL2BAN_LOG,
      ...(fail2ban.kind === 'journal' ? { fail2banJournal: fail2ban.journalctl } : {}),
      jail: values.jail,
      matchWindow,
      filters,
      authLogs: values['auth-log'] ?? [],
      progress: new Progress(process.stderr),
      warn: (text) => process.stderr.write(`audit: journalctl: ${text}\n`),
      now,
    });
    if (values.html !== undefined) {
      try {
        writeFileSync(values.html, renderHtml(report));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? String(error);
        throw new F2bCampaignError('output', `--html ${values.html}: cannot write it (${code})`, { cause: error });
      }
      if (!values.json) process.stderr.write(`HTML report written to ${values.html}\n`);
    }
    if (!values.json) process.stdout.write(renderTable(report));
    else {
      // Piece by piece, waiting for the pipe: a 90-day report must not sit in memory twice.
      for (const chunk of reportJsonChunks(report)) {
        if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
      }
    }
    return 0;
  },
};
