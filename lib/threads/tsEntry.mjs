// Worker-thread entry for TypeScript task modules: imports workerData.module, registering tsx here when the parent's loader did not carry over.
import { workerData } from 'node:worker_threads';

const url = workerData?.module;
if (typeof url !== 'string') throw new Error('tsEntry.mjs: start the thread with workerData.module (the task module URL)');
let task;
try {
  // Started with `tsx file.ts` or `node --import tsx`: the thread inherits the loader flags and can import .ts.
  task = await import(url);
} catch (err) {
  if (err?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
  // tsx was registered through its API in the parent (no flags to inherit): register it here too.
  const { register } = await import('tsx/esm/api');
  register();
  task = await import(`${url}?tsx`);
}

export default task.default;
