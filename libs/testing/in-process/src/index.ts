export { startServiceInProcess, type InProcessService, type InProcessServiceOptions } from './in-process-service';
