// GraphiQL from local assets. graphql-yoga's default page loads GraphiQL from a CDN, which stays blank on a machine
// or network that cannot reach it; @graphql-yoga/render-graphiql ships the same GraphiQL build in npm (scripts,
// styles, Monaco's workers). Rather than inline its ~9 MB into every page load, the page references them as files
// that this plugin serves under GRAPHIQL_ASSETS_PATH, cacheable by the browser. Development only: production serves
// no GraphiQL, and never loads the assets into memory.
import type { GraphiQLOptions, Plugin } from "graphql-yoga";

export const GRAPHIQL_ASSETS_PATH = "/graphiql/assets/";

type Assets = typeof import("@graphql-yoga/render-graphiql/graphiql");

interface AssetFile {
  contentType: string;
  body: (assets: Assets) => string | Uint8Array<ArrayBuffer>;
}

const FILES: Readonly<Record<string, AssetFile>> = {
  "graphiql.js": { contentType: "text/javascript; charset=utf-8", body: (a) => a.js },
  "graphiql.css": { contentType: "text/css; charset=utf-8", body: (a) => a.css },
  "editor.worker.js": { contentType: "text/javascript; charset=utf-8", body: (a) => a.editorWorkerService },
  "json.worker.js": { contentType: "text/javascript; charset=utf-8", body: (a) => a.jsonWorker },
  "graphql.worker.js": { contentType: "text/javascript; charset=utf-8", body: (a) => a.graphqlWorker },
  "favicon.ico": {
    contentType: "image/x-icon",
    body: (a) => new Uint8Array(Buffer.from(a.favicon.slice(a.favicon.indexOf(",") + 1), "base64")),
  },
};

let loaded: Promise<Assets> | null = null;
/** Loaded on the first asset request, once per process (the build is large). */
function loadAssets(): Promise<Assets> {
  loaded ??= import("@graphql-yoga/render-graphiql/graphiql");
  return loaded;
}

export function useGraphiQLAssets(): Plugin {
  return {
    async onRequest({ url, request, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(GRAPHIQL_ASSETS_PATH)) return;
      const file = FILES[url.pathname.slice(GRAPHIQL_ASSETS_PATH.length)];
      if (file === undefined || (request.method !== "GET" && request.method !== "HEAD")) {
        endResponse(new fetchAPI.Response(null, { status: file === undefined ? 404 : 405 }));
        return;
      }
      const body = file.body(await loadAssets());
      endResponse(
        new fetchAPI.Response(request.method === "HEAD" ? null : body, {
          status: 200,
          headers: {
            "content-type": file.contentType,
            "cache-control": "public, max-age=3600",
            "x-content-type-options": "nosniff",
          },
        }),
      );
    },
  };
}

/** The GraphiQL page, with every asset from this server (same origin): nothing is fetched from elsewhere. */
export function renderLocalGraphiQL(options: GraphiQLOptions): string {
  const asset = (name: string) => `${GRAPHIQL_ASSETS_PATH}${name}`;
  // The options are ours, but they end up inside a <script>: no way out of it, whatever they hold.
  const optionsJson = JSON.stringify(options ?? {}).replace(/</g, "\\u003c");
  const title = String(options?.title ?? "GraphiQL").replace(/[<>&"]/g, "");
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="icon" href="${asset("favicon.ico")}" />
    <link rel="stylesheet" href="${asset("graphiql.css")}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script>
      self.MonacoEnvironment = {
        globalAPI: false,
        getWorkerUrl: function (_moduleId, label) {
          return { json: "${asset("json.worker.js")}", graphql: "${asset("graphql.worker.js")}" }[label] || "${asset("editor.worker.js")}";
        },
      };
    </script>
    <script src="${asset("graphiql.js")}"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector("#root"), ${optionsJson});
    </script>
  </body>
</html>
`;
}
