// Goal: GraphiQL works without the internet. The page the API serves references no other origin (no CDN: only
// same-origin paths), every asset it references is served by the API itself with the right type, and production
// serves neither the page nor the assets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GRAPHIQL_ASSETS_PATH } from "../src/plugins/use-graphiql-assets";
import { createTestApp, type TestApp } from "../src/testing/test-app";

let development: TestApp;
let production: TestApp;

beforeAll(async () => {
  development = await createTestApp();
  production = await createTestApp({ graphql: { production: true } });
});
afterAll(async () => {
  await development?.close();
  await production?.close();
});

async function page(t: TestApp): Promise<Response> {
  return t.app.yoga.fetch("http://localhost/graphql", { headers: { accept: "text/html" } });
}

/** Every URL the page loads: src and href attributes, and the worker URLs its script hands to Monaco. */
function referencedUrls(html: string): string[] {
  const attributes = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1] as string);
  const quoted = [...html.matchAll(/"((?:https?:)?\/\/[^"]*|\/[^"]*\.(?:js|css|ico))"/g)].map(
    (m) => m[1] as string,
  );
  return [...new Set([...attributes, ...quoted])];
}

describe("in development", () => {
  it("serves a GraphiQL page that loads nothing from another origin", async () => {
    const response = await page(development);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).toContain("renderYogaGraphiQL");
    expect(html).not.toMatch(/https?:\/\/|\/\/unpkg|cdn/i);
    const urls = referencedUrls(html);
    expect(urls.length).toBeGreaterThanOrEqual(5);
    for (const url of urls) expect(url, url).toMatch(/^\/[^/]/);
  });

  it("serves every asset the page references, with its content type", async () => {
    const urls = referencedUrls(await (await page(development)).text());
    for (const url of urls) {
      const response = await development.app.yoga.fetch(`http://localhost${url}`);
      expect(response.status, url).toBe(200);
      const body = new Uint8Array(await response.arrayBuffer());
      expect(body.byteLength, url).toBeGreaterThan(1_000);
      const type = response.headers.get("content-type");
      if (url.endsWith(".js")) expect(type, url).toMatch(/^text\/javascript/);
      if (url.endsWith(".css")) expect(type, url).toMatch(/^text\/css/);
      if (url.endsWith(".ico")) expect(type, url).toBe("image/x-icon");
    }
  });

  it("answers 404 for a name it does not serve", async () => {
    const response = await development.app.yoga.fetch(
      `http://localhost${GRAPHIQL_ASSETS_PATH}../../etc/passwd`,
    );
    expect(response.status).toBe(404);
    const unknown = await development.app.yoga.fetch(`http://localhost${GRAPHIQL_ASSETS_PATH}other.js`);
    expect(unknown.status).toBe(404);
  });
});

describe("in production", () => {
  it("serves neither the page nor its assets", async () => {
    const response = await page(production);
    expect(await response.text()).not.toContain("renderYogaGraphiQL");
    const asset = await production.app.yoga.fetch(`http://localhost${GRAPHIQL_ASSETS_PATH}graphiql.js`);
    expect(asset.status).toBe(404);
  });
});
