// The API token: taken from the URL fragment `#token=...` that `npm start` prints (then removed from the
// visible URL), kept in sessionStorage for the tab, or pasted by the user into the login box.

import { h, uid } from './dom.js';

const KEY = 'flowwatch.token';

/**
 * Reads a token from the location hash (`#token=T` or `#/page?...&token=T`), stores it and removes it
 * from the address bar and history, keeping the rest of the route. Returns the token in effect.
 */
export function takeTokenFromUrl(): string | null {
  const hash = window.location.hash;
  let token: string | undefined;
  let rest = hash;
  const bare = /^#token=([^&]*)(?:&(.*))?$/.exec(hash);
  if (bare) {
    token = safeDecode(bare[1] ?? '');
    rest = bare[2] ? `#${bare[2]}` : '';
  } else {
    const q = hash.indexOf('?');
    const params = new URLSearchParams(q >= 0 ? hash.slice(q + 1) : '');
    const t = params.get('token');
    if (t !== null) {
      token = t;
      params.delete('token');
      const qs = params.toString();
      rest = hash.slice(0, q) + (qs ? `?${qs}` : '');
    }
  }
  if (token !== undefined) {
    // Even an empty token is removed, so the address bar never keeps one.
    if (token.trim()) setToken(token);
    window.history.replaceState(null, '', window.location.pathname + window.location.search + rest);
  }
  return currentToken();
}

/** True when the location hash carries a token. */
export function urlHasToken(): boolean {
  const hash = window.location.hash;
  if (hash.startsWith('#token=')) return true;
  const q = hash.indexOf('?');
  return q >= 0 && new URLSearchParams(hash.slice(q + 1)).has('token');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function getToken(): string | null {
  try {
    return window.sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string): void {
  try {
    window.sessionStorage.setItem(KEY, token.trim());
  } catch {
    // Storage disabled: the token lives only as long as the page.
    memoryToken = token.trim();
  }
}

export function clearToken(): void {
  try {
    window.sessionStorage.removeItem(KEY);
  } catch {
    memoryToken = null;
  }
}

let memoryToken: string | null = null;

/** The token, from storage or (when storage is disabled) from memory. */
export function currentToken(): string | null {
  return getToken() ?? memoryToken;
}

/**
 * Shows the login box over the page until the user submits a token; resolves with it.
 * `message` explains why (e.g. the server refused the previous token).
 */
export function showLogin(message?: string): Promise<string> {
  const existing = document.querySelector<HTMLElement>('[data-testid="login"]');
  existing?.remove();
  return new Promise((resolve) => {
    const id = uid('token');
    const input = h('input', {
      id,
      type: 'password',
      autocomplete: 'off',
      spellcheck: 'false',
      required: true,
      'data-testid': 'login-token',
    });
    const form = h(
      'form',
      { class: 'login-box', 'aria-labelledby': `${id}-title` },
      h('h1', { id: `${id}-title` }, 'flowwatch'),
      h(
        'p',
        {},
        'Paste the access token that ',
        h('code', {}, 'flowwatch serve'),
        ' or ',
        h('code', {}, 'npm start'),
        ' printed when it started.',
      ),
      message ? h('p', { class: 'login-error', role: 'alert' }, message) : null,
      h('label', { for: id }, 'Access token'),
      input,
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'login-submit' }, 'Sign in'),
    );
    const overlay = h('div', { class: 'login-overlay', 'data-testid': 'login' }, form);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const token = input.value.trim();
      if (!token) return;
      setToken(token);
      overlay.remove();
      resolve(token);
    });
    document.body.appendChild(overlay);
    input.focus();
  });
}
