// Piscina options that run a TypeScript task module (its default export) in worker threads, under tsx or not.
export function tsThreadOptions(taskModule: URL): { filename: string; workerData: { module: string } } {
  return { filename: new URL('./tsEntry.mjs', import.meta.url).href, workerData: { module: taskModule.href } };
}
