// The part of autocannon 9's API that the benches use (the package ships no types).
declare module 'autocannon' {
  interface Options { url: string; method?: string; headers?: Record<string, string>; body?: string | Buffer; connections?: number; duration?: number }
  interface Histogram { average: number; p50: number; p99: number }
  interface Result { requests: Histogram & { total: number }; latency: Histogram; non2xx: number; errors: number; timeouts: number }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
