// Values handed from test/support/global-setup.ts to tests via vitest's provide/inject.
export {};

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of a throwaway PostgreSQL database (`silkgate_test`), or null when SILKGATE_TEST_PG=0. */
    pgUrl: string | null;
  }
}
