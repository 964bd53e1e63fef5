/**
 * `npm run bench`: every benchmark in turn, each printing its own table. Add a bench by importing its
 * run function and appending it to the list.
 */
import { runAlertingBench } from './alerting.js';
import { runEngineBench } from './engine.js';
import { runInjectionEval } from './injection-eval.js';
import { runPipelineBench } from './pipeline.js';

const benches: Array<() => void | Promise<void>> = [runEngineBench, () => runPipelineBench('memory'), () => void runInjectionEval(), () => runAlertingBench('memory', 10_000)];

for (const bench of benches) await bench();
