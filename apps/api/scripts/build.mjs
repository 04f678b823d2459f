// Bundles the API's production entry (src/main.ts) and our workspace packages
// into dist/main.mjs with esbuild, so production runs plain JavaScript: no tsx
// loader thread (about 40 MB of RSS) and no transpiling at start. Third-party
// packages stay external and load from node_modules as usual.
import { build } from "esbuild";

const ours = /^@paycore\//;

// main.mjs, and instrument.mjs: the tracing preload (`node --import dist/instrument.mjs`, see start:prod), which
// must run before main.mjs loads node:http, pg and ioredis.
await build({
  entryPoints: {
    main: new URL("../src/main.ts", import.meta.url).pathname,
    instrument: new URL("../../../packages/platform/src/tracing/instrument.ts", import.meta.url).pathname,
  },
  outdir: new URL("../dist", import.meta.url).pathname,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
  plugins: [
    {
      name: "external-node-modules",
      setup(b) {
        // A bare specifier that is not one of our workspace packages comes from node_modules at run time.
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          ours.test(args.path) || args.path.startsWith("node:")
            ? undefined
            : { path: args.path, external: true },
        );
      },
    },
  ],
});
