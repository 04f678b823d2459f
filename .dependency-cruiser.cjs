// Dependency rules checked by `npm run lint`: the core stays pure, only the db
// package talks to Prisma, and the console and the CLI write only through core commands.
module.exports = {
  forbidden: [
    {
      name: "core-is-pure",
      comment: "packages/core holds the payment domain: no database, cache, transport or framework code.",
      severity: "error",
      from: { path: "^packages/core/src" },
      to: {
        path: "(@prisma|prisma|ioredis|graphql|@pothos|@trpc|next|pg|packages/db|apps/)",
        pathNot: "^packages/core",
      },
    },
    {
      name: "core-no-io",
      comment: "the core does no I/O of its own: no fs, net, http or child processes.",
      severity: "error",
      from: { path: "^packages/core/src" },
      to: {
        path: "^(fs|net|http|https|child_process|node:fs|node:net|node:http|node:https|node:child_process)$",
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
      name: "apps-write-through-core-commands",
      comment:
        "the console's procedures and the CLI change merchants, API keys, risk lists, routing rules, operator keys, " +
        "PSP accounts, stored secrets and operator accounts only through core commands, which audit each change in " +
        "its transaction: they may import read repositories, never a write-side module (the composition root " +
        "admin-commands.ts and app.ts build the commands over those). Operator accounts are written by " +
        "operator-store.repository.ts; operator.repository.ts (sessions, sign-in throttles, TOTP) may be imported " +
        "for its types only.",
      severity: "error",
      from: { path: "^(apps/console/src/server/api/routers/|apps/console/src/app/|apps/api/src/cli\\.ts$)" },
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
      from: { path: "^(apps/console/src/server/api/routers/|apps/console/src/app/|apps/api/src/cli\\.ts$)" },
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
        "apps/api/src/psps holds every PSP (one folder each, a registry line each) and may move as a whole into a " +
        "shared package: it imports nothing else of the API but the type of its secrets. The API reaches a PSP " +
        "only through the registry's modules.",
      severity: "error",
      from: { path: "^apps/api/src/psps/", pathNot: "\\.(test|integration-test)\\.ts$" },
      to: { path: "^apps/api/src/", pathNot: "^apps/api/src/(psps/|secrets\\.ts$)" },
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
