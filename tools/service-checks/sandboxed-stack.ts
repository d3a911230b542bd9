// The stack lives in @parley/testing-stack, where the benchmarks (tools/bench) use it too.
export { startSandboxedStack, type SandboxedStack, type SandboxedStackOptions } from '@parley/testing-stack';
