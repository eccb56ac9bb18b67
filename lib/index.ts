/**
 * `import { createStepgate } from 'stepgate'`: the gateway as a library (docs/testing.md). The
 * test kit is `stepgate/testing`.
 */
export {
  createStepgate,
  StartupError,
  StepgateConfigError,
  type Stepgate,
  type StepgateListening,
  type StepgateOptions,
  type UsersInput,
} from './stepgate.js';
export { hashPassword } from '../gateway/flows/login/password.js';
export type { Config, ConfigInput } from '../config/schema.js';
export type { ConfigProblem } from '../config/yaml-loader.js';
export type { PolicyInput } from '../policies/schema.js';
export type {
  Clock,
  EmailMessage,
  EmailSender,
  Logger,
  Ports,
  SmsMessage,
  SmsSender,
  Store,
} from '../gateway/ports.js';
export { DeliveryError } from '../gateway/ports.js';
