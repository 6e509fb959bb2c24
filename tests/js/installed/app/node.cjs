// The application in Node as CommonJS: `require('feats-edge')` (Node 20.19
// and later load ES modules with `require`), then the probe's result.
const api = require('feats-edge');

(async () => {
  const { probe } = await import('./probe.js');
  const { default: snapshot } = await import('./snapshot.js');
  console.log(JSON.stringify({ resolved: require.resolve('feats-edge'), result: await probe(api, snapshot) }));
})();
