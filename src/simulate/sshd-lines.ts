import type { Session, Step } from './session.js';

/** The host name written in every simulated line. */
export const HOST = 'bastion';

/** `2026-02-15T14:23:12.123456+00:00`, rsyslog's default on Debian 12 (RFC 3339, microseconds). */
export function rfc3339Micro(ms: number, micro: number): string {
  const iso = new Date(ms).toISOString(); // 2026-02-15T14:23:12.123Z
  return `${iso.slice(0, 23)}${String(micro % 1000).padStart(3, '0')}+00:00`;
}

export interface LogLine {
  readonly time: number;
  readonly text: string;
}

const KEY_FP = 'SHA256:Qm9vdHN0cmFwIGtleSBvZiB0aGUgZGVwbG95IGJvdAo';

/**
 * The lines OpenSSH 9.x on Debian 12 writes for a connection, in order, as `sshd[pid]: message` with an rsyslog
 * RFC 3339 header. PAM lines come first for each password try, as pam_unix writes them before sshd's own line.
 */
export function sessionLines(s: Session): LogLine[] {
  const out: LogLine[] = [];
  const line = (time: number, message: string): void => {
    out.push({ time, text: `${rfc3339Micro(time, s.pid + out.length * 7)} ${HOST} sshd[${s.pid}]: ${message}` });
  };
  const peer = `${s.ip} port ${s.port}`;
  let announced = '';
  let last: Step | undefined;
  for (const step of s.steps) {
    last = step;
    const t = step.at;
    switch (step.kind) {
      case 'fail':
        line(
          t - 2,
          `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${s.ip}  user=${step.user}`,
        );
        line(t, `Failed password for ${step.user} from ${peer} ssh2`);
        break;
      case 'fail-invalid':
        if (announced !== step.user) line(t - 2100, `Invalid user ${step.user} from ${peer}`);
        announced = step.user;
        line(t - 2, 'pam_unix(sshd:auth): check pass; user unknown');
        line(t - 1, `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${s.ip}`);
        line(t, `Failed password for invalid user ${step.user} from ${peer} ssh2`);
        break;
      case 'accept-password':
        line(t, `Accepted password for ${step.user} from ${peer} ssh2`);
        line(t + 12, `pam_unix(sshd:session): session opened for user ${step.user}(uid=1000) by (uid=0)`);
        break;
      case 'accept-key':
        line(t, `Accepted publickey for ${step.user} from ${peer} ssh2: ED25519 ${KEY_FP}`);
        line(t + 12, `pam_unix(sshd:session): session opened for user ${step.user}(uid=1000) by (uid=0)`);
        break;
    }
  }
  const who =
    last === undefined
      ? ''
      : last.kind === 'fail-invalid'
        ? `invalid user ${last.user} `
        : `authenticating user ${last.user} `;
  switch (s.ending) {
    case 'probe-closed':
      line(s.end, `Connection closed by ${peer} [preauth]`);
      break;
    case 'probe-reset':
      line(s.end, `Connection reset by ${peer} [preauth]`);
      break;
    case 'closed-after-failures':
      line(s.end, `Connection closed by ${who}${peer} [preauth]`);
      break;
    case 'max-attempts': {
      const user = last === undefined ? '' : last.kind === 'fail-invalid' ? `invalid user ${last.user}` : last.user;
      line(s.end - 1, `error: maximum authentication attempts exceeded for ${user} from ${peer} ssh2 [preauth]`);
      line(s.end, `Disconnecting ${who}${peer}: Too many authentication failures [preauth]`);
      break;
    }
    case 'logout': {
      const user = last?.user ?? 'root';
      line(s.end - 5, `Received disconnect from ${peer}:11: disconnected by user`);
      line(s.end - 4, `Disconnected from user ${user} ${peer}`);
      line(s.end, `pam_unix(sshd:session): session closed for user ${user}`);
      break;
    }
  }
  return out;
}
