// Hash routing: `#/<page>/<segment>?<params>`, so every view (page, time range, refresh, filters, query)
// is a URL that can be shared or bookmarked.

/** A parsed location hash. */
export interface Route {
  /** The page: `overview`, `query`, `alarms`, ... */
  readonly page: string;
  /** Path segments after the page, decoded (`#/alarms/ssh-rejects` → `['ssh-rejects']`). */
  readonly rest: readonly string[];
  readonly params: URLSearchParams;
}

/** Parameters every page keeps when the user moves between pages. */
export const SHARED_PARAMS = ['since', 'until', 'refresh'] as const;

export type ParamValues = Record<string, string | number | null | undefined>;

/**
 * Parses a hash such as `#/flows?ip=10.0.0.1`.
 *
 * @example parseHash('#/alarms/ssh?since=1h').rest // ['ssh']
 */
export function parseHash(hash: string): Route {
  const text = hash.replace(/^#/, '');
  const q = text.indexOf('?');
  const path = q < 0 ? text : text.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : text.slice(q + 1));
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  return { page: parts[0] ?? '', rest: parts.slice(1), params };
}

/** The route of the current location. */
export function currentRoute(): Route {
  return parseHash(window.location.hash);
}

/**
 * Builds a hash URL; empty values are left out.
 *
 * @example buildHref(['flows'], { ip: '10.0.0.1', port: undefined }) // '#/flows?ip=10.0.0.1'
 */
export function buildHref(path: readonly string[], params: ParamValues = {}): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === '') continue;
    search.set(k, String(v));
  }
  const qs = search.toString();
  return `#/${path.map(encodeURIComponent).join('/')}${qs ? `?${qs}` : ''}`;
}

/**
 * A link to another view that keeps the shared parameters (time range, auto-refresh) of `from` unless
 * `params` sets them.
 */
export function linkTo(
  path: readonly string[],
  params: ParamValues = {},
  from: Route = currentRoute(),
): string {
  const merged: ParamValues = {};
  for (const k of SHARED_PARAMS) {
    const v = from.params.get(k);
    if (v !== null) merged[k] = v;
  }
  // A custom range given by `params` replaces both ends, so a drill-down never mixes ranges.
  if ('since' in params && !('until' in params)) merged['until'] = undefined;
  return buildHref(path, { ...merged, ...params });
}

/** The current route with some parameters changed (null removes one). */
export function withParams(route: Route, changes: ParamValues): string {
  const params: ParamValues = {};
  for (const [k, v] of route.params) params[k] = v;
  return buildHref([route.page, ...route.rest], { ...params, ...changes });
}

/** Goes to a hash URL; `replace` keeps the browser history from growing (for refinements of one view). */
export function navigate(href: string, replace = false): void {
  if (href === window.location.hash) {
    // Same URL: nothing changes, but callers expect the view to reload.
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    return;
  }
  if (replace) {
    window.history.replaceState(null, '', href);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    window.location.hash = href;
  }
}
