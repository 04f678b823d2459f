// The drills build the API's test app on a database of their own, so they never read
// the template database the other suites' global setup provides; this declares its type.
declare module "vitest" {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    templateDatabase: string;
  }
}

export {};
