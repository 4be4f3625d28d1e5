import type { Readable } from 'node:stream';

/** What the reader takes: a Node Readable (a file stream, an upload) or any async iterable of bytes. */
export type ExportFileSource = Readable | AsyncIterable<Uint8Array | string>;

/**
 * A pull-based byte stream that can look at its first bytes before handing the whole stream on
 * (to tell OpenPGP from clear text, CSV from JSON) without reading further than asked.
 */
export class ByteStream {
  readonly #iterator: AsyncIterator<Uint8Array | string>;
  #head: Uint8Array[] = [];
  #ended = false;

  constructor(source: AsyncIterable<Uint8Array | string>) {
    this.#iterator = source[Symbol.asyncIterator]();
  }

  /** At least `bytes` bytes from the start (fewer only when the stream is shorter), not consumed. */
  async peek(bytes: number): Promise<Uint8Array> {
    let have = this.#head.reduce((n, chunk) => n + chunk.length, 0);
    while (have < bytes && !this.#ended) {
      const next = await this.#iterator.next();
      if (next.done) this.#ended = true;
      else {
        const chunk = asBytes(next.value);
        this.#head.push(chunk);
        have += chunk.length;
      }
    }
    return Buffer.concat(this.#head);
  }

  /** Everything, the peeked bytes first. Breaking out of the loop closes the source. */
  async *chunks(): AsyncGenerator<Uint8Array> {
    const head = this.#head;
    this.#head = [];
    yield* head;
    if (this.#ended) return;
    try {
      for (;;) {
        const next = await this.#iterator.next();
        if (next.done) break;
        yield asBytes(next.value);
      }
    } finally {
      this.#ended = true;
      await this.#iterator.return?.();
    }
  }

  /** Closes the source without reading it (when the file is refused after a peek). */
  async close(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await this.#iterator.return?.();
  }
}

function asBytes(chunk: Uint8Array | string): Uint8Array {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

/** A Web ReadableStream (what OpenPGP.js takes) that pulls from `chunks` only as it is read. */
export function toWebStream(chunks: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    // One chunk queued at a time: memory stays at the size of a chunk, not of the file.
    { highWaterMark: 1 },
  );
}
