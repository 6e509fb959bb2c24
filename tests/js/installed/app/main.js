// A page of an application that installed the package: its result (or the
// error it met) lands in `window.__result` for the test to read.
import * as api from 'feats-edge';
import { probe } from './probe.js';
import snapshot from './snapshot.js';

probe(api, snapshot).then(
  (r) => (window.__result = r),
  (e) => (window.__result = { error: String(e?.message ?? e) }),
);
