import Stripe from 'stripe';

/** Stripe's own SDK pointed at the local emulator: how tests look at "Stripe" from outside. */
export function emulatorStripe(emulatorUrl: string, secretKey: string): Stripe {
  const url = new URL(emulatorUrl);
  return new Stripe(secretKey, {
    host: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    telemetry: false,
    maxNetworkRetries: 0,
  });
}
