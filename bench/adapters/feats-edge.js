// feats-edge through its npm package: the fast paths findImplementation and
// findImplementations use (engine.implementation / engine.implementations).
import { init, Engine } from 'feats-edge';
import { configs } from '../workload.js';

export const wasm = true;
export async function setup(n) {
  await init();
  const engine = new Engine(configs['feats-edge'](n));
  return {
    one: (key, user) => engine.implementation(key, { user: { id: user.id, country: user.country } }),
    all: (user) => engine.implementations({ user: { id: user.id, country: user.country } }),
  };
}
