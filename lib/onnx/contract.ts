// The serving contract every packaged or imported ONNX model meets: one [N, 1] input per feature column, and these outputs.

/** Classifiers: `label` (string [N]) and `probabilities` (float [N, classes], in the card's class order). */
export const CLASSIFIER_OUTPUTS = { label: 'label', probabilities: 'probabilities' } as const;

/** Regressors: `prediction` (float [N, 1]). */
export const REGRESSOR_OUTPUT = 'prediction';
