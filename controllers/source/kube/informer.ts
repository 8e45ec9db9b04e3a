// A client-node ListWatch (list, then watch from the list's resourceVersion) made to survive:
// - a watch the server ends (timeoutSeconds, dropped connection) resumes from the last
//   resourceVersion (ListWatch does that itself); bookmarks keep that version fresh;
// - 410 Gone relists (ListWatch does that too);
// - any other error stops a ListWatch for good, so it is restarted here with backoff.
// The informer also says whether its watch is open: the source holds kernel work while it is not.
import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { errorText, log } from '../../lib/log.js';
import { Backoff } from '../../queue/backoff.js';

export type InformerState = 'connecting' | 'watching' | 'failed';

export interface InformerOptions<T> {
  /** For logs: "sandboxes", "nodes"... */
  name: string;
  kc: KubeConfig;
  /** Collection path, e.g. /apis/nodenet.io/v1alpha1/sandboxes. */
  path: string;
  list(): Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
  fieldSelector?: string;
  /** Server-side watch timeout, randomized per watch like client-go's reflector (default 300-600 s). */
  watchTimeoutSeconds?: () => number;
  onChange(): void;
  onState(state: InformerState): void;
  backoff?: Backoff;
}

/** Watch that reports when a stream is open and when it ends, and asks for bookmarks and a timeout. */
class TrackingWatch extends Watch {
  constructor(
    kc: KubeConfig,
    private readonly hooks: { opened(): void; closed(err: unknown): void; timeoutSeconds(): number },
  ) {
    super(kc);
  }

  override async watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, obj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    let ended = false;
    const params = { ...query, allowWatchBookmarks: true, timeoutSeconds: this.hooks.timeoutSeconds() };
    const controller = await super.watch(path, params, callback, (err: unknown) => {
      ended = true;
      this.hooks.closed(err);
      done(err);
    });
    // super.watch returns once the response headers arrived; a failed request has already ended.
    if (!ended) this.hooks.opened();
    return controller;
  }
}

export class Informer<T> {
  private readonly lw: ListWatch<KubernetesObject>;
  private current: InformerState = 'connecting';
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private readonly synced: Promise<void>;
  private markSynced: () => void = () => undefined;

  constructor(private readonly opts: InformerOptions<T>) {
    this.backoff = opts.backoff ?? new Backoff({ baseMs: 250, maxMs: 30_000 });
    this.synced = new Promise((resolve) => (this.markSynced = resolve));
    const timeout = opts.watchTimeoutSeconds ?? ((): number => 300 + Math.floor(Math.random() * 300));
    const watch = new TrackingWatch(opts.kc, {
      opened: () => this.setState('watching'),
      closed: (err) => {
        if (this.stopped) return;
        if (err) log.debug('watch ended', { informer: opts.name, err: errorText(err) });
        this.setState('connecting');
      },
      timeoutSeconds: timeout,
    });
    const list = (): Promise<KubernetesListObject<KubernetesObject>> => opts.list() as unknown as Promise<KubernetesListObject<KubernetesObject>>;
    this.lw = new ListWatch<KubernetesObject>(opts.path, watch, list, false, undefined, opts.fieldSelector);
    for (const verb of ['add', 'update', 'delete'] as const) this.lw.on(verb, () => opts.onChange());
    this.lw.on('error', (err: unknown) => this.failed(err));
  }

  get state(): InformerState {
    return this.current;
  }

  /** Starts listing and watching; resolves at the first open watch (after its list). */
  async start(): Promise<void> {
    this.launch();
    await this.synced;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.markSynced();
    await this.lw.stop();
  }

  list(): readonly T[] {
    return this.lw.list() as unknown as readonly T[];
  }

  private launch(): void {
    // start() resumes from the last resourceVersion, or lists when there is none (first start, 410).
    this.lw.start().catch((err: unknown) => this.failed(err));
  }

  private failed(err: unknown): void {
    if (this.stopped) return;
    this.setState('failed');
    const delay = this.backoff.next(this.opts.name);
    log.warn('watch failed; restarting', { informer: this.opts.name, err: errorText(err), retryInMs: delay });
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopped) this.launch();
    }, delay);
  }

  private setState(s: InformerState): void {
    if (this.stopped || s === this.current) return;
    this.current = s;
    if (s === 'watching') {
      this.backoff.forget(this.opts.name);
      this.markSynced();
    }
    this.opts.onState(s);
  }
}
