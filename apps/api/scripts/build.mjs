// Bundles the API's production entry (src/main.ts) and our workspace packages
// into dist/main.mjs with esbuild, so production runs plain JavaScript: no tsx
// loader thread (about 40 MB of RSS) and no transpiling at start. Third-party
// packages stay external and load from node_modules as usual.
import { build } from "esbuild";

const ours = /^@paycore\//;

await build({
  entryPoints: [new URL("../src/main.ts", import.meta.url).pathname],
  outfile: new URL("../dist/main.mjs", import.meta.url).pathname,
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
