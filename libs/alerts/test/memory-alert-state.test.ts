import { MemoryAlertState } from '../src/state/memory-alert-state.js';
import { alertStateContract } from './alert-state.contract.js';

alertStateContract('MemoryAlertState', async () => {
  const state = new MemoryAlertState();
  return { state, cleanup: () => state.close() };
});
