/**
 * A circuit breaker around store calls. After `failures` consecutive failures the store is not
 * called for `cooldownMs`; then one call goes through as a probe: success closes the circuit,
 * failure opens it again. While open, requests are served by their handlers at once instead of
 * each waiting out the store deadline.
 */
export class CircuitBreaker {
  private consecutive = 0
  private openedAt = 0
  private probing = false
  private open = false

  constructor(
    private readonly failures: number,
    private readonly cooldownMs: number,
  ) {}

  /** Whether a store call may go out now. */
  allow(): boolean {
    if (!this.open) return true
    if (this.probing || Date.now() - this.openedAt < this.cooldownMs) return false
    this.probing = true
    return true
  }

  success(): void {
    this.consecutive = 0
    this.open = false
    this.probing = false
  }

  /** Records a failure; answers true when this failure opened the circuit. */
  failure(): boolean {
    const now = Date.now()
    this.consecutive++
    const wasOpen = this.open
    if (this.probing || this.consecutive >= this.failures) {
      this.open = true
      this.openedAt = now
      this.probing = false
    }
    return this.open && !wasOpen
  }

  get isOpen(): boolean {
    return this.open
  }
}
