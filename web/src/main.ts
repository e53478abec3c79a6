// The dashboard shell: takes the API token (URL fragment, sessionStorage or the login box), draws the header
// (navigation, time range, auto-refresh) and mounts the page the URL hash names.

import { Api } from './lib/api.js';
import { clearToken, currentToken, showLogin, takeTokenFromUrl, urlHasToken } from './lib/auth.js';
import { AutoRefresh } from './lib/auto-refresh.js';
import { h } from './lib/dom.js';
import { errorBanner, type Page, type PageContext } from './lib/page.js';
import {
  buildHref,
  currentRoute,
  linkTo,
  navigate,
  type ParamValues,
  type Route,
  withParams,
} from './lib/router.js';
import { loading } from './lib/states.js';
import { TimeRangePicker } from './lib/time-range.js';
import { alarmDetailPage } from './pages/alarm-detail.js';
import { alarmsPage } from './pages/alarms.js';
import { anomaliesPage } from './pages/anomalies.js';
import { compliancePage } from './pages/compliance.js';
import { encryptionPage } from './pages/encryption.js';
import { findingDetailPage } from './pages/finding-detail.js';
import { findingsPage } from './pages/findings.js';
import { flowsPage } from './pages/flows.js';
import { hostPage } from './pages/host.js';
import { kindsPage } from './pages/kinds.js';
import { metricFiltersPage } from './pages/metric-filters.js';
import { overviewPage } from './pages/overview.js';
import { pathsPage } from './pages/paths.js';
import { sourcesPage } from './pages/sources.js';
import { troubleshootPage } from './pages/troubleshoot.js';

/** The pages in navigation order. */
const PAGES: readonly {
  readonly page: string;
  readonly label: string;
  readonly make: (ctx: PageContext, route: Route) => Page | Promise<Page>;
  /** Reached by links only, not listed in the navigation (a host's page). */
  readonly hidden?: boolean;
}[] = [
  { page: 'overview', label: 'Overview', make: (ctx) => overviewPage(ctx) },
  // The editor (CodeMirror) is loaded only when the Query page opens.
  { page: 'query', label: 'Query', make: async (ctx) => (await import('./pages/query.js')).queryPage(ctx) },
  { page: 'flows', label: 'Flows', make: (ctx) => flowsPage(ctx) },
  {
    page: 'alarms',
    label: 'Alarms',
    make: (ctx, route) =>
      route.rest[0] !== undefined ? alarmDetailPage(ctx, route.rest[0]) : alarmsPage(ctx),
  },
  {
    page: 'findings',
    label: 'Findings',
    make: (ctx, route) =>
      route.rest[0] !== undefined ? findingDetailPage(ctx, route.rest[0]) : findingsPage(ctx),
  },
  { page: 'anomalies', label: 'Anomalies', make: (ctx) => anomaliesPage(ctx) },
  {
    page: 'host',
    label: 'Host',
    hidden: true,
    make: (ctx, route) => hostPage(ctx, route.rest[0] ?? ''),
  },
  { page: 'troubleshoot', label: 'Troubleshoot', make: (ctx) => troubleshootPage(ctx) },
  { page: 'compliance', label: 'Compliance', make: (ctx) => compliancePage(ctx) },
  { page: 'encryption', label: 'Encryption', make: (ctx) => encryptionPage(ctx) },
  { page: 'paths', label: 'Paths & cost', make: (ctx) => pathsPage(ctx) },
  { page: 'kinds', label: 'Traffic kinds', make: (ctx) => kindsPage(ctx) },
  { page: 'filters', label: 'Metric filters', make: (ctx) => metricFiltersPage(ctx) },
  { page: 'sources', label: 'Sources', make: (ctx) => sourcesPage(ctx) },
];

/** Which mounted page a route needs: the same key means update in place, another means remount. */
function pageKey(route: Route): string {
  return (route.page === 'alarms' || route.page === 'findings' || route.page === 'host') &&
    route.rest[0] !== undefined
    ? `${route.page}/${route.rest[0]}`
    : route.page;
}

class App {
  private readonly api: Api;
  private readonly main = h('main', { id: 'content', tabindex: '-1' });
  private readonly navLinks = new Map<string, HTMLAnchorElement>();
  private readonly picker: TimeRangePicker;
  private readonly refresh: AutoRefresh;
  private current: { key: string; page: Page } | undefined;
  /** The page being created (its code may still be loading). */
  private pending: string | undefined;
  private loggingIn = false;

  constructor(root: HTMLElement) {
    this.api = new Api((message) => this.unauthorized(message));
    const change = (params: ParamValues) => navigate(withParams(currentRoute(), params));
    this.picker = new TimeRangePicker(change);
    this.refresh = new AutoRefresh(change, () => {
      if (this.current && !this.current.page.busy()) this.current.page.refresh();
    });
    const nav = h(
      'nav',
      { 'aria-label': 'Pages' },
      h(
        'ul',
        {},
        PAGES.filter((p) => !p.hidden).map((p) => {
          const a = h('a', { href: buildHref([p.page]), 'data-testid': `nav-${p.page}` }, p.label);
          this.navLinks.set(p.page, a);
          return h('li', {}, a);
        }),
      ),
    );
    root.append(
      h(
        'a',
        { class: 'skip-link', href: '#content', onclick: (e: Event) => this.skip(e) },
        'Skip to content',
      ),
      h(
        'header',
        { class: 'app-header' },
        h(
          'a',
          { class: 'brand', href: buildHref(['overview']) },
          h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '◉'),
          'flowwatch',
        ),
        nav,
        h('div', { class: 'controls' }, this.picker.el, this.refresh.el),
      ),
      this.main,
    );
    window.addEventListener('hashchange', () => this.render());
  }

  async start(): Promise<void> {
    if (!currentToken()) {
      this.loggingIn = true;
      await showLogin();
      this.loggingIn = false;
    }
    this.render();
  }

  /** Mounts or updates the page of the current URL. */
  render(): void {
    const route = currentRoute();
    if (urlHasToken()) {
      // A URL with a (new) token pasted into this tab: keep the token, drop it from the address bar.
      takeTokenFromUrl();
      if (this.current) {
        this.current.page.dispose();
        this.current = undefined;
      }
      this.render();
      return;
    }
    const def = PAGES.find((p) => p.page === route.page);
    if (!def) {
      navigate(linkTo(['overview'], {}, route), true);
      return;
    }
    // Nav links keep the time range and refresh of the current view.
    for (const [page, a] of this.navLinks) {
      a.href = linkTo([page], {}, route);
      if (page === route.page) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    this.picker.update(route);
    this.refresh.update(route);
    const key = pageKey(route);
    if (this.current?.key === key) {
      this.current.page.update(route);
      return;
    }
    if (this.pending === key) return;
    const moved = this.current !== undefined;
    this.current?.page.dispose();
    this.current = undefined;
    this.pending = key;
    const made = def.make({ api: this.api }, route);
    if (made instanceof Promise) {
      this.main.replaceChildren(loading());
      made.then(
        (page) => this.mount(key, page, moved),
        () => {
          this.pending = undefined;
          this.main.replaceChildren(
            errorBanner(
              new Error('This page could not be loaded. Reload the dashboard (it may have been updated).'),
            ),
          );
        },
      );
    } else {
      this.mount(key, made, moved);
    }
  }

  private mount(key: string, page: Page, moved: boolean): void {
    if (this.pending !== key) {
      // The user went elsewhere while the page's code loaded.
      page.dispose();
      return;
    }
    this.pending = undefined;
    this.current = { key, page };
    this.main.replaceChildren(page.root);
    if (moved) this.main.focus({ preventScroll: true });
    page.update(currentRoute());
  }

  /** The server refused the token: ask for another, then reload the page. */
  private unauthorized(message: string): void {
    if (this.loggingIn) return;
    this.loggingIn = true;
    clearToken();
    void showLogin(`The server refused the token (${message}). Paste the current one.`).then(() => {
      this.loggingIn = false;
      if (this.current) {
        this.current.page.dispose();
        this.current = undefined;
      }
      this.render();
    });
  }

  private skip(e: Event): void {
    e.preventDefault();
    this.main.focus();
  }
}

takeTokenFromUrl();
const root = document.getElementById('app');
if (root) void new App(root).start();
