// The API token of a state folder (`<stateDir>/api-token`, mode 600): created on first use, shown, rotated,
// and followed by a running server, so that a rotation takes effect within a second without a restart.

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { writeFileDurable } from '../notify/durable-file.js';

/** The file in the state folder holding the API token. */
export const TOKEN_FILE = 'api-token';

function newToken(): string {
  return `fw_${randomBytes(24).toString('base64url')}`;
}

/** Reads the API token of a state folder, creating it (mode 600) on first use. */
export async function apiToken(stateDir: string): Promise<{ token: string; created: boolean; file: string }> {
  const file = join(stateDir, TOKEN_FILE);
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), created: false, file };
  const token = newToken();
  await writeFileDurable(file, `${token}\n`, 0o600);
  return { token, created: true, file };
}

/**
 * The API token of a state folder, which must exist (`flowwatch token show`).
 *
 * @example readApiToken('flowwatch-state').token // 'fw_...'
 */
export function readApiToken(stateDir: string): { token: string; file: string } {
  const file = join(stateDir, TOKEN_FILE);
  if (!existsSync(file)) {
    throw new UserError(
      'NO_TOKEN',
      `there is no API token in ${stateDir} yet`,
      'start the monitor (flowwatch monitor / serve) once, or create one with: flowwatch token rotate',
    );
  }
  return { token: readFileSync(file, 'utf8').trim(), file };
}

/**
 * Replaces the API token of a state folder with a new one (durably, mode 600); the old one stops working at
 * once for a running monitor (see followToken) and for every later start.
 *
 * @example const { token } = await rotateApiToken('flowwatch-state');
 */
export async function rotateApiToken(stateDir: string): Promise<{ token: string; file: string }> {
  const file = join(stateDir, TOKEN_FILE);
  const token = newToken();
  await mkdir(stateDir, { recursive: true });
  await writeFileDurable(file, `${token}\n`, 0o600);
  return { token, file };
}

/**
 * The current token of `file` for a running server: re-read when the file changed (checked at most every
 * `everyMs`, 1 s by default), so `flowwatch token rotate` takes effect without a restart. A file that cannot be
 * read (deleted, or empty mid-write) keeps the last token rather than opening the server.
 */
export function followToken(file: string, initial: string, everyMs = 1000): () => string {
  let token = initial;
  let checked = Date.now();
  let stamp = stampOf(file);
  return () => {
    const now = Date.now();
    if (now - checked < everyMs) return token;
    checked = now;
    const s = stampOf(file);
    if (s !== undefined && s !== stamp) {
      try {
        const next = readFileSync(file, 'utf8').trim();
        if (next !== '') {
          token = next;
          stamp = s;
        }
      } catch {
        // keep the last token
      }
    }
    return token;
  };
}

function stampOf(file: string): string | undefined {
  try {
    const st = statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return undefined;
  }
}
