/** Latency and energy profiling of training sessions (README.md, `seedwire profile`): `seedwire profile`. */
export { ProfileError, type ProfileErrorCode } from './errors.ts';
export { DEFAULT_ENERGY_TABLE_URL, energyTableSchema, loadEnergyTable, parseEnergyTable, type EnergyTable, addEnergy, multiplyEnergy, memoryAccessEnergy, shiftEnergy, widthEnergy } from './energy-table.ts';
export { defaultLinkFor, linkSeconds, parseLinkRate, UART_BITS_PER_BYTE, type LinkModel } from './link.ts';
export { ENERGY_COMPONENTS, profileCounters, type Breakdown, type Energy, type EnergyComponent, type ModelInput } from './model.ts';
export { buildTimeline, sequentialPhaseClocks, trainerChunks, unpipelinedClocks, type Timeline } from './timeline.ts';
export { computeBaselines, connectivityFigures, pipeliningFigures, unpipelinedCounters, type Baseline } from './baselines.ts';
export { checkProfileOptions, ProfilingClient, runProfile, type ProfileOptions, type ProfileRun } from './session.ts';
export { profileJson, profileTable } from './summary.ts';
export { buildTrace, type TraceEvent } from './trace.ts';
export { buildVcd } from './vcd.ts';
export { buildReportHtml } from './report-html.ts';
export { compareUpdateUnits, type UpdateComparison, type UpdateUnit, type UpdatePart } from './update-units.ts';
export { checkWritable, writeOutput } from './outputs.ts';
