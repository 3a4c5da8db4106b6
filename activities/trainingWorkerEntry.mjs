// Worker-thread entry: imports trainingWorker.ts, registering tsx in this thread when the parent's loader did not carry over.
let worker;
try {
  // Started with `tsx file.ts` or `node --import tsx`: the thread inherits the loader flags and can import .ts.
  worker = await import('./trainingWorker.ts');
} catch (err) {
  if (err?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
  // tsx was registered through its API in the parent (no flags to inherit): register it here too.
  const { register } = await import('tsx/esm/api');
  register();
  worker = await import('./trainingWorker.ts?tsx');
}

export default worker.default;
