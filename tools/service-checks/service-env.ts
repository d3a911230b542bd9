// The service environment lives in @parley/testing-stack, where the benchmarks (tools/bench) use it too.
export { distributedServiceEnv, TEST_INTERNAL_TOKEN, TEST_SERVICE_SECRETS } from '@parley/testing-stack';
