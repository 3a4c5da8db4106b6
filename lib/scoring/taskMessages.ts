// Messages the scoring threads and the pool share (kept apart from the worker module, which loads onnxruntime).

/** The message of a task without its model's source on a thread that has no session for it: the pool sends it again with the source. */
export const MODEL_NOT_LOADED = 'mlcycle: this scoring thread has not loaded the model';
