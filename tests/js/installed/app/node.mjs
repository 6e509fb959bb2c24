// The application in Node: prints where 'feats-edge' resolved and the probe's result.
import * as api from 'feats-edge';
import { probe } from './probe.js';
import snapshot from './snapshot.js';

const result = await probe(api, snapshot);
console.log(JSON.stringify({ resolved: import.meta.resolve('feats-edge'), result }));
