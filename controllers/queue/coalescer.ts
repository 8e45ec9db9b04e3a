// Runs a task at most once at a time; requests made while it runs are served together by one
// more run after it. Used for work whose input is "the current state" (firewall sync, state file
// flush): many callers, few runs, and every caller's request is covered by a run that started
// after it asked.
export class Coalescer<T> {
  private running: Promise<T> | undefined;
  private pending: Promise<T> | undefined;

  constructor(private readonly task: () => Promise<T>) {}

  request(): Promise<T> {
    // A queued run has not started yet, so it covers this request too. Checked first: between a
    // run's end and the queued run's start, `running` is already clear, and starting another
    // run there would make two run at once.
    if (this.pending) return this.pending;
    if (!this.running) return this.start();
    this.pending = this.running.then(
      () => this.start(),
      () => this.start(),
    );
    return this.pending;
  }

  /** Resolves when no run is in progress or queued. */
  async idle(): Promise<void> {
    while (this.running || this.pending) {
      await (this.pending ?? this.running)?.catch(() => undefined);
    }
  }

  private start(): Promise<T> {
    this.pending = undefined;
    const p = this.task().finally(() => {
      if (this.running === p) this.running = undefined;
    });
    this.running = p;
    return p;
  }
}
