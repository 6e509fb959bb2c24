// Imported for its effect: `globalThis.gc()` (a full collection) for exact
// heap figures, without requiring --expose-gc on the command line.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
globalThis.gc ??= runInNewContext('gc');
