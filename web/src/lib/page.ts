// What every page shares: its root element (with `data-testid="page-<name>"` and `data-ready`), the
// error banner, and request tracking (a newer load aborts the older one; `data-ready` is "true" only
// when no request of the page is in flight).

import { type Api, ApiError, isAbort } from './api.js';
import { h, replaceChildren } from './dom.js';
import type { Route } from './router.js';

/** What a page receives from the shell. */
export interface PageContext {
  readonly api: Api;
}

/** A mounted page. The shell calls `update` for every route of this page, `refresh` on auto-refresh. */
export interface Page {
  readonly root: HTMLElement;
  update(route: Route): void;
  refresh(): void;
  /** True while a request is in flight (auto-refresh skips a tick then). */
  busy(): boolean;
  dispose(): void;
}

/**
 * Base class of the pages: owns the root, the banner and the request channels.
 *
 * @example
 * class SourcesPage extends PageShell {
 *   constructor(ctx: PageContext) { super('sources', 'Sources'); }
 *   update(route: Route) { this.run('main', async (signal) => { ... }); }
 * }
 */
export abstract class PageShell implements Page {
  readonly root: HTMLElement;
  protected readonly body: HTMLElement;
  private readonly banner: HTMLElement;
  private readonly errors = new Map<string, ApiError | Error>();
  private readonly controllers = new Map<string, AbortController>();
  private inflight = 0;
  private disposed = false;
  protected route: Route | undefined;

  constructor(name: string, title: string, heading: Node | string = title) {
    document.title = `${title} · flowwatch`;
    this.banner = h('div', { class: 'banner-area', 'aria-live': 'assertive' });
    this.body = h('div', { class: 'page-body' });
    this.root = h(
      'section',
      {
        class: `page page-${name}`,
        'data-testid': `page-${name}`,
        'data-ready': 'false',
        'aria-busy': 'true',
      },
      h('h1', { class: 'page-title' }, heading),
      this.banner,
      this.body,
    );
  }

  abstract update(route: Route): void;

  refresh(): void {
    if (this.route) this.update(this.route);
  }

  busy(): boolean {
    return this.inflight > 0;
  }

  dispose(): void {
    this.disposed = true;
    for (const c of this.controllers.values()) c.abort();
    this.controllers.clear();
  }

  /**
   * Runs a load on a channel: aborts the channel's previous load, tracks readiness, shows an error in the
   * banner (and clears the channel's previous error on success). Resolves true when the task completed.
   */
  protected async run(channel: string, task: (signal: AbortSignal) => Promise<void>): Promise<boolean> {
    this.controllers.get(channel)?.abort();
    const controller = new AbortController();
    this.controllers.set(channel, controller);
    this.setInflight(+1);
    try {
      await task(controller.signal);
      if (controller.signal.aborted) return false;
      this.errors.delete(channel);
      this.renderBanner();
      return true;
    } catch (err) {
      if (isAbort(err) || controller.signal.aborted || this.disposed) return false;
      // A refused token brings up the login box; repeating it in the banner would only add noise.
      if (err instanceof ApiError && err.status === 401) {
        this.errors.delete(channel);
      } else {
        this.errors.set(channel, err instanceof Error ? err : new Error(String(err)));
      }
      this.renderBanner();
      return false;
    } finally {
      if (this.controllers.get(channel) === controller) this.controllers.delete(channel);
      this.setInflight(-1);
    }
  }

  /** Clears the error of a channel (e.g. when the user edits the input that caused it). */
  protected clearError(channel: string): void {
    if (this.errors.delete(channel)) this.renderBanner();
  }

  private setInflight(delta: number): void {
    this.inflight += delta;
    const ready = this.inflight === 0 ? 'true' : 'false';
    this.root.dataset['ready'] = ready;
    this.root.setAttribute('aria-busy', ready === 'true' ? 'false' : 'true');
  }

  private renderBanner(): void {
    replaceChildren(this.banner, [...this.errors.values()].map(errorBanner));
  }
}

/** The banner for one error: message, hint, and the server's code. */
export function errorBanner(err: ApiError | Error): HTMLElement {
  const code = err instanceof ApiError ? err.code : undefined;
  const hint = err instanceof ApiError ? err.hint : undefined;
  return h(
    'div',
    { class: 'banner banner-error', role: 'alert', 'data-testid': 'error-banner', 'data-code': code },
    h('strong', {}, err.message),
    hint ? h('div', { class: 'banner-hint' }, hint) : null,
    code ? h('div', { class: 'banner-code' }, code) : null,
  );
}
