export {
  createSandboxGateway,
  type SandboxConfig,
  type SandboxRuntime,
  sandboxConfig,
  sandboxKind,
} from './kind.js';
