import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FieldIssue, MigrationFileDto } from '@cardbridge/core/schemas';
import type { ClientOptions } from './client.js';
import { CliError, exitCodeForStatus, exitCodes } from './errors.js';
import { cliVersion } from './version.js';

/*
 * Files to and from the API over its REST routes (tRPC carries JSON only): a migration job's
 * source file goes up as the raw body of `POST /v1/migrations/files`, read from disk as it is
 * sent; a job's report or id map comes down as it is rendered. Neither is held in memory.
 * node:http, as the tRPC transport (http-transport.ts): no fetch, no undici at start-up.
 */

export interface RestFiles {
  /** Sends the file at `path` as it is (encrypted or not) and answers the stored file. */
  upload(path: string, name: string): Promise<MigrationFileDto>;
  /** GETs `apiPath` (e.g. `/v1/migrations/7/report.csv`) into `sink`, with back-pressure. */
  download(apiPath: string, sink: Writable): Promise<void>;
}

/** No byte either way for this long: the API is gone (a large file as such may take any time). */
const idleTimeoutMs = 60_000;

/** The REST facade's error envelope → the same classified error the tRPC client's errors become. */
function envelopeError(status: number, text: string): CliError {
  let message = `the API answered HTTP ${status}`;
  let issues: FieldIssue[] = [];
  try {
    const body = JSON.parse(text) as { Errors?: { Key: string; Value: string }[] };
    const [summary, ...fields] = body.Errors ?? [];
    if (summary) message = summary.Value;
    issues = fields.map((f) => ({ path: f.Key, message: f.Value }));
  } catch {
    // Not our envelope (a proxy's page): the status says enough.
  }
  return new CliError(message, exitCodeForStatus(status), { issues, httpStatus: status });
}

function transportError(err: NodeJS.ErrnoException, url: string): CliError {
  if (err instanceof CliError) return err;
  if (err.code === 'ETIMEDOUT')
    return new CliError(`the cardbridge API at ${url} stopped answering`, exitCodes.server);
  return new CliError(
    `cannot reach the cardbridge API at ${url} — is \`cardbridge serve\` running? (${err.code ?? err.message})`,
    exitCodes.server,
  );
}

function readText(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      text += d;
    });
    res.on('end', () => resolve(text));
    res.on('error', reject);
  });
}

export function createRestFiles(opts: ClientOptions): RestFiles {
  const headers = { authorization: `Basic ${opts.apiKey}`, 'user-agent': `cardbridge-cli/${cliVersion}` };
  const request = (apiPath: string, options: http.RequestOptions) => {
    const url = new URL(apiPath, `${opts.url}/`);
    const req = (url.protocol === 'https:' ? https : http).request(url, options);
    req.setTimeout(idleTimeoutMs, () => req.destroy(Object.assign(new Error('idle'), { code: 'ETIMEDOUT' })));
    return req;
  };

  return {
    async upload(path, name) {
      const { size } = await stat(path);
      return new Promise<MigrationFileDto>((resolve, reject) => {
        let answered = false;
        const req = request(`/v1/migrations/files?name=${encodeURIComponent(name)}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(size) },
        });
        req.on('response', (res) => {
          answered = true;
          readText(res).then((text) => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(JSON.parse(text) as MigrationFileDto);
            else reject(envelopeError(status, text));
          }, reject);
        });
        // The API may refuse (413, 401…) and close before it has read the whole file: its answer counts.
        req.on('error', (err) => {
          if (!answered) reject(transportError(err, opts.url));
        });
        pipeline(createReadStream(path), req).catch(() => {});
      });
    },

    download(apiPath, sink) {
      return new Promise<void>((resolve, reject) => {
        const req = request(apiPath, { method: 'GET', headers });
        req.on('response', (res) => {
          const status = res.statusCode ?? 0;
          if (status !== 200) {
            readText(res).then((text) => reject(envelopeError(status, text)), reject);
            return;
          }
          // Cut short (the API failed mid-file): an error, never a short file taken for whole.
          pipeline(res, sink).then(resolve, (err: NodeJS.ErrnoException) =>
            reject(
              new CliError(
                `the download of ${apiPath} did not complete (${err.code ?? err.message})`,
                exitCodes.server,
              ),
            ),
          );
        });
        req.on('error', (err) => reject(transportError(err, opts.url)));
        req.end();
      });
    },
  };
}
