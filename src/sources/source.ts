/**
 * The one shape every live input has (auth.log follower, journal, socket sampler). A source delivers what it reads
 * through callbacks given at construction, reports failures through `onError` and never retries by itself: the
 * supervisor (src/service/supervisor.ts) restarts it with backoff, from the position it last reported.
 */
export type SourceState = 'starting' | 'following' | 'waiting' | 'failed' | 'stopped';

export interface SourceHealth {
  readonly name: string;
  readonly state: SourceState;
  /** Lines, entries or samples delivered since the process started. */
  readonly delivered: number;
  /** Wall-clock ms of the last delivery, if any. */
  readonly lastDeliveryAt?: number;
  /** Human-readable note: what it waits for, or the last error. */
  readonly detail?: string;
}

export interface Source {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): SourceHealth;
}

/** Called by a source that cannot go on; it has stopped itself before calling. */
export type SourceErrorHandler = (error: Error) => void;
