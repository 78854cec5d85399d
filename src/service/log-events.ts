/**
 * Every event name the service writes to its JSON log, in one place, so operators and tests can rely on them.
 * ERROR level is used only where data was lost or an operator must act (STYLE.md).
 */
export const LOG_EVENTS = {
  started: 'service-started',
  stopping: 'service-stopping',
  stopped: 'service-stopped',
  forcedExit: 'service-forced-exit',
  reloaded: 'config-reloaded',
  reloadFailed: 'config-reload-failed',
  thresholds: 'fail2ban-thresholds',
  sourceNotice: 'source-notice',
  sourceLinesLost: 'source-lines-lost',
  sourceFailed: 'source-failed',
  sourceRestarted: 'source-restarted',
  sourceGivingUp: 'source-failing-repeatedly',
  verdictWritten: 'verdict-written',
  verdictSuppressed: 'verdict-already-written',
  verdictWriteFailed: 'verdict-write-failed',
  verdictWriteRecovered: 'verdict-write-recovered',
  verdictLogReopened: 'verdict-log-reopened',
  verdictLineTorn: 'verdict-line-torn',
  stateSavesSpaced: 'state-saves-spaced',
  stateSaveFailed: 'state-save-failed',
  stateSaveRecovered: 'state-save-recovered',
  stateLeftovers: 'state-leftovers-removed',
  stateCorrupt: 'state-corrupt',
  statusFailed: 'status-write-failed',
  tickFailed: 'core-advance-failed',
  lineFailed: 'line-failed',
  compromise: 'compromise-suspected',
  lateralMovement: 'lateral-movement-suspected',
} as const;
