// The name a drift profile gives the model's answer (prediction drift): the replicas count answers under it, the monitor compares them with the training labels.
export const PREDICTION_COLUMN = '__prediction';
