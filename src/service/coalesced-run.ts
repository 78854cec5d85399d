/**
 * Runs an async task so that requests made while it runs are folded into one more run after it. A SIGHUP storm
 * (a logrotate per file, a loop in a deploy script) used to start one `fail2ban-client -d` per signal, each a
 * Python process reading every jail file, all at once; now at most one runs and one waits. The run after is kept,
 * not dropped: it is the one that reads what the operator wrote last.
 */
export class CoalescedRun {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly task: () => Promise<void>) {}

  /** Resolves once a run begun after this request has ended. */
  request(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      await this.task();
    } while (this.again);
  }
}
