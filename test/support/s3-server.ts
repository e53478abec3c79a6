// s3rver (an S3-compatible server over the local file system) on 127.0.0.1 in a child process, for tests.
// A child because s3rver encrypts ListObjectsV2 continuation tokens with DES, which Node's OpenSSL 3 only
// offers with --openssl-legacy-provider (in the test process itself every truncated listing would fail).

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A running s3rver: its endpoint (use forcePathStyle and any credentials) and how to stop it. */
export interface S3Server {
  readonly endpoint: string;
  close(): Promise<void>;
}

const SCRIPT = `
const S3rver = require('s3rver');
new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[1] })
  .run()
  .then((a) => console.log(JSON.stringify({ port: a.port })), (e) => { console.error(e); process.exit(1); });
`;

/**
 * Starts s3rver keeping its buckets under `directory`; bucket names need at least 3 characters.
 *
 * @example const s3 = await startS3Server(dir); ...; await s3.close();
 */
export async function startS3Server(directory: string): Promise<S3Server> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-e', SCRIPT, directory],
    {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => String(line)),
    once(child, 'exit').then(([code]) => {
      throw new Error(`s3rver exited with code ${code} before listening`);
    }),
  ]);
  lines.close();
  const { port } = JSON.parse(first) as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async close() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
