// The files and packages a TypeScript entry point reaches (the engine's own scanner, lib/steps/moduleGraph.ts, which also versions the built-in steps).
export { importGraph, packageName, type ImportGraph } from '../lib/steps/moduleGraph.js';
