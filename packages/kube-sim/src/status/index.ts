// Contract of the workload status simulation (implementation in this folder).
// Pure: given an object and a clock, say what its status is and when it next changes.
// The HTTP layer stores the result (bumping resourceVersion, emitting a watch event)
// and sets a timer for `nextChangeAt`.
export type { SimulatedStatus, SimulateInput, StatusSimOptions } from './contract.ts';
export { isSimulated, simulateStatus } from './simulate.ts';
