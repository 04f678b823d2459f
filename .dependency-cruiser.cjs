// Dependency rules checked by `npm run lint`: the core stays pure, only the db
// package talks to Prisma, no app imports another app, and the console and the
// CLI write only through core commands.
module.exports = {
  forbidden: [
    {
      name: "core-is-pure",
      comment: "packages/core holds the payment domain: no database, cache, transport or framework code.",
      severity: "error",
      from: { path: "^packages/core/src" },
      to: {
        path: "(@prisma|prisma|ioredis|graphql|@pothos|@trpc|next|pg|packages/db|apps/)",
        // ibantools (pure IBAN validation) ships its ES build in a folder named "jsnext", which "next" would match.
        pathNot: "^packages/core|node_modules/ibantools/",
      },
    },
    {
      name: "core-no-io",
      comment:
        "the core does no I/O and keeps no time of its own: no files, sockets, HTTP, DNS, child processes, threads " +
        "or timers (callers pass `now` and `sleep`). node:crypto stays allowed (ids, hashes, the vault). The " +
        "in-process sandbox PSP, which sleeps to simulate latency, lives in packages/psp-testkit.",
      severity: "error",
      from: { path: "^packages/core/src" },
      to: {
        path: "^(node:)?(fs|fs/promises|net|http|https|http2|tls|dgram|dns|dns/promises|child_process|cluster|worker_threads|timers|timers/promises|readline|os)$",
      },
    },
    {
      name: "prisma-only-in-db",
      comment: "repositories in packages/db are the only code that knows Prisma.",
      severity: "error",
      from: { path: "^apps/" },
      to: { path: "(@prisma/client|packages/db/src/generated)" },
    },
    {
      name: "no-app-imports-another-app",
      comment:
        "each app (api, console, psp-sandbox) is its own deployable: what two apps share lives in packages/ " +
        "(@paycore/platform for the runtime). Test suites may start the sandbox PSP server, a stand-in for a PSP.",
      severity: "error",
      from: { path: "^apps/([^/]+)/", pathNot: "\\.(integration-)?test\\.ts$|^apps/api/src/testing/" },
      to: { path: "^apps/", pathNot: "^apps/$1/" },
    },
    {
      name: "packages-import-no-app",
      comment:
        "packages are below the apps: core, db and platform never import an app (tests may start the sandbox PSP).",
      severity: "error",
      from: { path: "^packages/", pathNot: "\\.(integration-)?test\\.ts$" },
      to: { path: "^apps/" },
    },
    {
      name: "e2e-through-entry-points",
      comment:
        "the browser tests' harness builds the product through the platform, the API's app and server, the dev " +
        "orchestrator's child processes, and the console's seed and TOTP helpers; nothing else of an app's sources.",
      severity: "error",
      from: { path: "^e2e/" },
      to: {
        path: "^apps/",
        pathNot:
          "^apps/api/src/(app|server|operator-accounts)\\.ts$|^apps/console/src/server/(testing/seed|auth/totp)\\.ts$|^apps/console/package\\.json$",
      },
    },
    {
      name: "apps-write-through-core-commands",
      comment:
        "the console's procedures and the CLI change merchants, API keys, risk lists, routing rules, operator keys, " +
        "PSP accounts, stored secrets and operator accounts only through core commands, which audit each change in " +
        "its transaction: they may import read repositories, never a write-side module (the composition root, " +
        "packages/platform/src/runtime.ts and admin-commands.ts, builds the commands over those). Operator accounts " +
        "are written by operator-store.repository.ts; operator.repository.ts (sessions, sign-in throttles, TOTP) " +
        "may be imported for its types only.",
      severity: "error",
      from: {
        path: "^(apps/console/src/server/api/routers/|apps/console/src/app/|apps/api/src/cli(-program)?\\.ts$|tooling/dev-start/src/)",
      },
      to: {
        path: "^packages/db/src/repositories/([a-z-]+-store\\.repository|psp-account\\.repository|encrypted-secret\\.repository|payment-store\\.repository|operator-audit-row)\\.ts$",
      },
    },
    {
      name: "apps-operator-accounts-through-core-commands",
      comment:
        "operator.repository.ts still writes sessions, throttles and TOTP for the console's sign-in: the routers, " +
        "pages and CLI may use its types, never build it (services.ts does, for the auth procedures).",
      severity: "error",
      from: {
        path: "^(apps/console/src/server/api/routers/|apps/console/src/app/|apps/api/src/cli(-program)?\\.ts$)",
      },
      to: {
        path: "^packages/db/src/repositories/operator\\.repository\\.ts$",
        dependencyTypesNot: ["type-only"],
      },
    },
    {
      name: "psp-testkit-imports-no-app",
      comment:
        "packages/psp-testkit (the one sandbox card table and the in-process sandbox) is shared by the API and the " +
        "sandbox server, so it may depend on the core only, never on an app.",
      severity: "error",
      from: { path: "^packages/psp-testkit/src" },
      to: { path: "^(apps/|packages/db)" },
    },
    {
      name: "psp-folders-self-contained",
      comment:
        "packages/platform/src/psps holds every PSP (one folder each, a registry line each): it imports nothing " +
        "else of the platform but the type of its secrets. The API and the runtime reach a PSP only through the " +
        "registry's modules.",
      severity: "error",
      from: { path: "^packages/platform/src/psps/", pathNot: "\\.(test|integration-test)\\.ts$" },
      to: { path: "^packages/platform/src/", pathNot: "^packages/platform/src/(psps/|secrets\\.ts$)" },
    },
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Prisma's generated client, and Next's build output (bundles of everything, Prisma included).
    exclude: { path: "(generated|\\.next/|^apps/[^/]+/dist/)" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
    },
  },
};
