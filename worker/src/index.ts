/** Public surface of `@cas/worker`: the composition root and its configuration. */
export { loadWorkerConfig, WorkerConfigError, type WorkerConfig } from './config.js';
export {
  startMailCapture,
  startWorker,
  type MailCapture,
  type MailCaptureOptions,
  type RunningWorker,
  type WorkerOverrides,
} from './main.js';
