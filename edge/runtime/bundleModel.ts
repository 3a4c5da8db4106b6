// An edge bundle's model: load (every file checked against the manifest), predict (the server's checks and v1 answer), log queue.
import type * as ort from 'onnxruntime-common';
import { checkInstance } from '../../serving/feeds.js';
import { feedColumns } from '../../lib/onnx/feeds.js';
import { contractOutputNames, readContractOutputs, type OnnxOutputs } from '../../lib/onnx/contractOutputs.js';
import type { ModelCard } from '../../lib/report/modelCard.js';
import { checkManifest, type BundleManifest } from './manifest.js';
import { EdgeLog, type EdgeLogOptions, type FlushResult } from './edgeLog.js';

/** What an entry (node.ts, browser.ts) gives the model: its runtime, how to read a bundle file, hashing, ids. */
export interface Platform {
  ort: { InferenceSession: { create(bytes: Uint8Array, options?: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> }; Tensor: typeof ort.Tensor };
  sessionOptions: ort.InferenceSession.SessionOptions;
  /** A file of the bundle by its name in the manifest; rejects when it cannot be read. */
  readFile(name: string): Promise<Uint8Array>;
  sha256(bytes: Uint8Array): Promise<string>;
  randomUUID(): string;
}

export interface LoadOptions {
  /** Queue every prediction for the serving API's log endpoint (posted by flush()). */
  log?: EdgeLogOptions;
}

export type EdgePrediction =
  | { requestId: string; label: string; probabilities: Record<string, number>; variant: 'edge'; version: number }
  | { requestId: string; value: number; variant: 'edge'; version: number };

/** The server's limit on one request's instances (serving/schemas.ts MAX_INSTANCES). */
const MAX_INSTANCES = 10_000;

/** The first problem with the records as a whole, in the server's words (serving/schemas.ts), or null. */
function shapeProblem(records: unknown): string | null {
  if (!Array.isArray(records)) return 'instances must be an array of records';
  if (records.length === 0) return 'instances must not be empty';
  if (records.length > MAX_INSTANCES) return `instances has ${records.length} records; at most ${MAX_INSTANCES} per request`;
  const bad = records.findIndex((r) => typeof r !== 'object' || r === null || Array.isArray(r));
  return bad >= 0 ? `instances[${bad}] must be an object of column values` : null;
}

const hex4 = (i: number): string => i.toString(16).padStart(4, '0');

/** The server's v1 prediction objects from the contract's outputs: ids are a request base with the instance index in its last four hex digits. */
function predictionsOf(out: OnnxOutputs, classes: readonly string[], base: string, version: number): EdgePrediction[] {
  const n = out.task === 'regression' ? out.values.length : out.labels.length;
  const answers: EdgePrediction[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const requestId = base.slice(0, 32) + hex4(i);
    if (out.task === 'regression') {
      answers[i] = { requestId, value: out.values[i], variant: 'edge', version };
    } else {
      const probabilities: Record<string, number> = {};
      for (let j = 0; j < out.classes; j++) probabilities[classes[j]] = out.probabilities[i * out.classes + j];
      answers[i] = { requestId, label: out.labels[i], probabilities, variant: 'edge', version };
    }
  }
  return answers;
}

export class EdgeModel {
  private constructor(
    private readonly platform: Platform,
    private readonly session: ort.InferenceSession,
    readonly manifest: BundleManifest,
    readonly card: ModelCard,
    private readonly log: EdgeLog | null,
  ) {}

  /** Checks every file the manifest lists (a changed or missing one rejects, naming it), then opens the model. */
  static async load(platform: Platform, options: LoadOptions = {}): Promise<EdgeModel> {
    const manifest = await checkManifest(platform);
    const card = JSON.parse(new TextDecoder().decode(await platform.readFile('card.json'))) as ModelCard;
    const session = await platform.ort.InferenceSession.create(await platform.readFile('model.onnx'), platform.sessionOptions);
    const log = options.log ? new EdgeLog(options.log, manifest.model, manifest.version, card.signature.task ?? 'classification', platform.randomUUID) : null;
    return new EdgeModel(platform, session, manifest, card, log);
  }

  get name(): string {
    return this.manifest.model;
  }

  get version(): number {
    return this.manifest.version;
  }

  /** Instances waiting in the log queue (0 without logging). */
  get queued(): number {
    return this.log?.queued ?? 0;
  }

  /** Answers records as the server's POST /v1/models/:name/predict does (its `predictions`), refusing bad ones with its messages. */
  async predict(records: readonly Record<string, unknown>[]): Promise<EdgePrediction[]> {
    const started = performance.now();
    const shape = shapeProblem(records);
    if (shape) throw new Error(shape);
    const { inputs, classes } = this.card.signature;
    for (let i = 0; i < records.length; i++) {
      const problem = checkInstance(records[i], i, inputs);
      if (problem) throw new Error(problem);
    }
    this.log?.assertRoom(records.length);
    const task = this.card.signature.task ?? 'classification';
    const columns = feedColumns(inputs, records);
    const n = records.length;
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of this.session.inputNames) {
      const column = columns[name];
      if (!column) throw new Error(`the model takes input "${name}", which its card's signature does not list`);
      feeds[name] = column instanceof Float32Array ? new this.platform.ort.Tensor('float32', column, [n, 1]) : new this.platform.ort.Tensor('string', column, [n, 1]);
    }
    const raw = await this.session.run(feeds, contractOutputNames(this.session, task));
    const out = readContractOutputs(raw, task, n);
    const base = `${this.platform.randomUUID().slice(0, 32)}0000`;
    this.log?.add({ requestBase: base, at: Date.now(), latencyMs: performance.now() - started, instances: records, out });
    return predictionsOf(out, classes, base, this.version);
  }

  /** Queues a label for a prediction (its requestId), posted to the serving API's /v1/feedback by flush(). */
  label(requestId: string, label: string | number): void {
    if (!this.log) throw new Error('this model was loaded without `log`: labels have nowhere to go');
    this.log.addLabel(requestId, String(label));
  }

  /** Posts the queued predictions (then labels) in batches; a failed post keeps them (same batch ids) and rejects; labels the server does not know are returned. */
  async flush(): Promise<FlushResult> {
    if (!this.log) return { logged: 0, duplicates: 0, labels: 0, unknownLabels: [] };
    return this.log.flush();
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
