import { setFlagsFromString } from 'node:v8';

/**
 * V8's allocation-site pretenuring off, before the process allocates anything of its own. Under load the
 * pipelined read lanes hand back the rows of many requests at once; V8 then judges pg's row containers
 * long-lived and allocates them straight in the old generation, where, dead a moment later, they keep
 * every string and Date they point to alive through each young collection until the next full one.
 * Measured on a list of 20 (docs/performance.md, "Garbage collection"): young collections 40 → 14 µs of
 * CPU per call. Only a heuristic changes: every object is still collected.
 */
setFlagsFromString('--no-allocation-site-pretenuring');
