// The application's TypeScript: type-checked against the installed package's
// declarations, under both Node's and bundlers' module resolution.
import { Engine, bucket, createClient, type Client, type Details } from 'feats-edge';

const engine = new Engine('{"schema": 1, "revision": "r1", "features": {}}');
const details: Details = engine.evaluate('Checkout', { user: { id: 1 } });
const n: number = bucket('PaymentProcessor', '42');
const client: Promise<Client> = createClient({ snapshot: engine, timeout: 100 });
// @ts-expect-error: a bucket is salted and keyed by strings (fails if the declarations were not found)
bucket('PaymentProcessor', 42);

export { details, n, client };
