// The application as a Cloudflare Worker: answers every request with the probe's result.
import * as api from 'feats-edge';
import { probe } from './probe.js';
import snapshot from './snapshot.js';

export default {
  async fetch() {
    return Response.json(await probe(api, snapshot));
  },
};
