import Stripe from 'stripe';

type HttpClient = ReturnType<typeof Stripe.createNodeHttpClient>;
type HttpClientResponse = Awaited<ReturnType<HttpClient['makeRequest']>>;

/** Why a body was refused: the SDK reports it as "Invalid JSON received from the Stripe API". */
export class MalformedStripeBodyError extends Error {
  override readonly name = 'MalformedStripeBodyError';
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The SDK's own body check, made strict. Every Stripe API answer is a JSON object, and an
 * `error` in it is an object. The SDK (23.x, RequestSender `_jsonResponseHandler`) assumes
 * both: a 200 whose body is `"a string"` or `5` makes it call `Object.defineProperty` on a
 * primitive in a promise branch nobody catches — an unhandled rejection that ends the
 * process, while the caller's promise never settles — and `{"error": 5}` throws a TypeError
 * instead of a Stripe error. Refused here, any such body takes the SDK's ordinary path for
 * unparseable JSON: a StripeAPIError through the caller's promise.
 */
function checkedBody(body: unknown): Record<string, unknown> {
  if (!isPlainObject(body)) throw new MalformedStripeBodyError('response body is not a JSON object');
  if ('error' in body && !isPlainObject(body.error)) {
    throw new MalformedStripeBodyError('response error is not a JSON object');
  }
  return body;
}

class CheckedResponse implements HttpClientResponse {
  constructor(private readonly inner: HttpClientResponse) {}
  getStatusCode() {
    return this.inner.getStatusCode();
  }
  getHeaders() {
    return this.inner.getHeaders();
  }
  getRawResponse() {
    return this.inner.getRawResponse();
  }
  toStream(done: () => void) {
    return this.inner.toStream(done);
  }
  async toJSON(): Promise<Record<string, unknown>> {
    return checkedBody(await this.inner.toJSON());
  }
  dispose() {
    this.inner.dispose?.();
  }
}

/** The SDK's Node HTTP client, answering only JSON objects to the SDK (see `checkedBody`). */
export function createCheckedHttpClient(inner: HttpClient = Stripe.createNodeHttpClient()): HttpClient {
  return {
    getClientName: () => inner.getClientName(),
    makeRequest: async (...args: Parameters<HttpClient['makeRequest']>) =>
      new CheckedResponse(await inner.makeRequest(...args)),
  } as HttpClient;
}
