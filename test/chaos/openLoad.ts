// Open-loop prediction load: requests sent at a fixed rate whatever the answers' pace, each answer kept and handed on as it arrives.
import { predictOnce, type Answer, type Load, type LoadOptions } from './load.js';

export interface OpenLoadOptions extends Omit<LoadOptions, 'concurrency' | 'pauseMs'> {
  /** Requests per second. */
  rate: number;
  /** Called with each answer as it arrives (e.g. to follow it into the log). */
  onAnswer?: (a: Answer) => void;
}

export interface OpenLoad extends Load {
  /** The most requests that were in flight at once. */
  maxInFlight(): number;
}

/** Sends request n at start + n / rate (a tick every 2 ms sends every request that is due), never waiting for answers. */
export function startOpenLoad(o: OpenLoadOptions): OpenLoad {
  const answers: Answer[] = [];
  const inFlight = new Set<Promise<void>>();
  let most = 0;
  let sent = 0;
  const start = performance.now();
  const tick = (): void => {
    const due = Math.floor(((performance.now() - start) / 1000) * o.rate);
    while (sent < due) {
      const p: Promise<void> = predictOnce(o, sent++).then((a) => {
        answers.push(a);
        o.onAnswer?.(a);
        inFlight.delete(p);
      });
      inFlight.add(p);
    }
    most = Math.max(most, inFlight.size);
  };
  const timer = setInterval(tick, 2);
  return {
    answers,
    maxInFlight: () => most,
    stop: async () => {
      clearInterval(timer);
      await Promise.all(inFlight);
      return answers;
    },
  };
}
