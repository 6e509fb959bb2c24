// Preloaded into every measurement process (`node --import ./offline.js`):
// the benchmark runs offline, and this proves it. Any outgoing connection
// (TCP, IPC, or fetch of a non-data: URL) is recorded and refused; child.js
// reports the attempts and run.js prints them.
import net from 'node:net';

const attempts = [];
globalThis.__benchNetworkAttempts = attempts;

const describe = (args) => {
  const a = args[0];
  if (a && typeof a === 'object') return `${a.host ?? a.path ?? '?'}:${a.port ?? ''}`;
  return args.filter((x) => typeof x !== 'function').join(':');
};

net.Socket.prototype.connect = function connect(...args) {
  attempts.push(`connect ${describe(args)}`);
  process.nextTick(() => this.destroy(new Error('feats-edge bench: network disabled')));
  return this;
};

const realFetch = globalThis.fetch;
if (realFetch) {
  globalThis.fetch = async function fetch(input, init) {
    const url = String(input?.url ?? input);
    if (url.startsWith('data:') || url.startsWith('blob:') || url.startsWith('file:')) return realFetch(input, init);
    attempts.push(`fetch ${url}`);
    throw new TypeError('feats-edge bench: network disabled');
  };
}
