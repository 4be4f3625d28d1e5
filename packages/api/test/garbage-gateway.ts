import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the fake gateway answers; `hang` never does. */
export type GarbageMode = keyof typeof answers | 'hang';

const json = (status: number, body: string) => (res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};

const answers = {
  'a JSON string': json(200, '"not an object"'),
  'a JSON number': json(200, '5'),
  'JSON null': json(200, 'null'),
  'a JSON array': json(200, '[]'),
  'truncated JSON': json(200, '{"id":"card_1","object":"ca'),
  'a card with a numeric id': json(200, '{"object":"card","id":5}'),
  'a card missing its fields': json(200, '{"object":"card","id":"card_1"}'),
  'a non-object error': json(402, '{"error":5}'),
  HTML: (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><body>Welcome to nginx!</body></html>');
  },
  'an empty body': json(200, ''),
  'a body cut short': (res: ServerResponse) => {
    // Promises more than it sends, then drops the connection.
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
    res.write('{"id":"card_1",');
    setTimeout(() => res.socket?.destroy(), 10);
  },
} satisfies Record<string, (res: ServerResponse) => void>;

export const garbageModes = Object.keys(answers) as (keyof typeof answers)[];

/** A Stripe impostor on 127.0.0.1 answering whatever `mode` says, counting requests. */
export async function startGarbageGateway() {
  let mode: GarbageMode = 'a JSON string';
  let requests = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests += 1;
    req.resume();
    if (mode === 'hang') return;
    answers[mode](res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setMode(next: GarbageMode) {
      mode = next;
    },
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
