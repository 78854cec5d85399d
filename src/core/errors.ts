/** One base class for the errors we raise on purpose, with a stable code scripts and tests can rely on. */
export class F2bCampaignError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'F2bCampaignError';
    this.code = code;
  }
}
