# workerd configuration for the edge worker (see README.md). Run from this
# directory, so that the ASSETS directory below resolves:
#
#   cd www/edge
#   SNAPSHOT_URL=http://127.0.0.1:8787/flags/snapshot.json \
#   EXPOSURE_URL=http://127.0.0.1:8787/flags/exposures \
#     ../../node_modules/.bin/workerd serve config.capnp [--socket-addr http=127.0.0.1:PORT]
#
# The package is laid out as a bundler would upload it: its workerd entry as
# the module "feats-edge", its files beside it under their relative paths,
# and the .wasm as a `wasm` module (compiled at upload: Workers refuse to
# compile wasm from bytes at run time).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .edgeWorker),
    # pkg/ for the page's script, like Cloudflare's static-assets binding.
    (name = "assets", disk = (path = "../../pkg", writable = false)),
    # Outbound fetches may reach the origin on this machine (127.0.0.1).
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:8788", http = (), service = "main")],
);

const edgeWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "feats-edge", esModule = embed "../../pkg/workerd.js"),
    (name = "gen/feats_edge.js", esModule = embed "../../pkg/gen/feats_edge.js"),
    (name = "gen/feats_edge_bg.wasm", wasm = embed "../../pkg/gen/feats_edge_bg.wasm"),
    (name = "src/wasm.js", esModule = embed "../../pkg/src/wasm.js"),
    (name = "src/engine.js", esModule = embed "../../pkg/src/engine.js"),
    (name = "src/client.js", esModule = embed "../../pkg/src/client.js"),
    (name = "src/store.js", esModule = embed "../../pkg/src/store.js"),
    (name = "src/isolate.js", esModule = embed "../../pkg/src/isolate.js"),
    (name = "src/queue.js", esModule = embed "../../pkg/src/queue.js"),
    (name = "src/timers.js", esModule = embed "../../pkg/src/timers.js"),
    (name = "src/exposures.js", esModule = embed "../../pkg/src/exposures.js"),
    (name = "src/http.js", esModule = embed "../../pkg/src/http.js"),
    (name = "src/requests.js", esModule = embed "../../pkg/src/requests.js"),
    (name = "src/options.js", esModule = embed "../../pkg/src/options.js"),
  ],
  bindings = [
    (name = "SNAPSHOT_URL", fromEnvironment = "SNAPSHOT_URL"),
    (name = "EXPOSURE_URL", fromEnvironment = "EXPOSURE_URL"),
    (name = "REVALIDATE_MS", fromEnvironment = "REVALIDATE_MS"),
    (name = "TARGETING_KEY", fromEnvironment = "TARGETING_KEY"),
    (name = "ASSETS", service = "assets"),
  ],
  globalOutbound = "internet",
  compatibilityDate = "2026-10-01",
);
