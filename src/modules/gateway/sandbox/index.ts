/** Sandbox customs: a CustomsTransport that answers like the import unified system, with scripted scenarios. */
export { SandboxCustoms, DOWN_ATTEMPTS } from './sandbox.ts';
export type { SandboxOptions } from './sandbox.ts';
export { SandboxWorker } from './client.ts';
export type { SandboxWorkerOptions } from './client.ts';
export { loadScenarios, parseScenarios, pickScenario, statusSequence, SCENARIOS, KEY_FIELDS } from './scenarios.ts';
export type { Scenario, ScenarioRule } from './scenarios.ts';
