// Test parts for the push endpoints: a real node:http server on loopback wired as the monitor wires it, and an
// in-memory Sink that records batches and answers 'duplicate' for a key it already holds.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PushRequest, PushResponse } from '../../src/ingest/sources/push-http.js';
import type { Batch, Sink } from '../../src/ingest/sources/source.js';

/** A Sink that keeps every stored batch in memory; `failWith` makes every write reject. */
export class MemorySink implements Sink {
  readonly batches: Batch[] = [];
  /** Every write call, stored, duplicate or failed. */
  readonly writes: Batch[] = [];
  failWith: Error | undefined;

  async write(batch: Batch): Promise<'stored' | 'duplicate'> {
    this.writes.push(batch);
    if (this.failWith) throw this.failWith;
    if (this.batches.some((b) => b.key === batch.key)) return 'duplicate';
    this.batches.push(batch);
    return 'stored';
  }

  async checkpoint(): Promise<string | undefined> {
    return undefined;
  }

  /** Every line stored, in order. */
  lines(): string[] {
    return this.batches.flatMap((b) => (b.kind === 'lines' ? [...b.lines] : []));
  }
}

/** A running loopback server. */
export interface TestServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on 127.0.0.1, port 0, whose request handler collects the body and hands it to `handler`,
 * then writes the status, headers and body it returns.
 */
export async function startServer(handler: (req: PushRequest) => Promise<PushResponse>): Promise<TestServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handler({ method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks) }).then(
        (r) => {
          res.writeHead(r.status, r.headers);
          res.end(r.body);
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
