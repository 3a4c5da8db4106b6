// A bound on shadow scoring in flight: past it, a request's copy is not scored (counted, never queued without end).
export class ShadowLimiter {
  private inFlight = 0;
  /** Copies not scored because the bound was reached. */
  skipped = 0;

  constructor(readonly max = 64) {}

  tryAcquire(): boolean {
    if (this.inFlight >= this.max) {
      this.skipped++;
      return false;
    }
    this.inFlight++;
    return true;
  }

  release(): void {
    this.inFlight--;
  }

  get active(): number {
    return this.inFlight;
  }
}
