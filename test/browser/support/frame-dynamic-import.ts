/**
 * Load first in a test frame (a srcdoc iframe) that runs source modules: Vitest's browser mode
 * rewrites `import()` to `__vitest_browser_runner__.wrapDynamicImport(...)`, a global only its
 * own tester page defines. The same stand-in Vitest puts in workers: call the import as it is.
 */
const scope = globalThis as { __vitest_browser_runner__?: { wrapDynamicImport: <T>(load: () => T) => T } };
scope.__vitest_browser_runner__ ??= { wrapDynamicImport: (load) => load() };
export {};
