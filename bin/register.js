// `node --import mlcycle/register`: runs TypeScript (a pipeline folder's steps and their tests) with the tsx mlcycle ships with.
import 'tsx';
