// The application's Node server, to be bundled with the package inside it:
// prints the probe's result.
import * as api from 'feats-edge';
import { probe } from './probe.js';
import snapshot from './snapshot.js';

console.log(JSON.stringify(await probe(api, snapshot)));
