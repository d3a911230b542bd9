import { CpuSampler } from './cpu-sampler';

describe('CpuSampler', () => {
  it("counts this process's CPU between two samples, in milliseconds, under its own kind", () => {
    const sampler = new CpuSampler();
    sampler.sample('first');
    expect(sampler.rows).toEqual([]); // a first look only sets the baseline
    const until = Date.now() + 300;
    let spin = 0;
    while (Date.now() < until) spin++;
    sampler.sample('second');
    const mine = sampler.rows.map((row) => row.split('\t')).find(([, kind]) => kind === 'test process (sandboxes, driver)');
    expect(spin).toBeGreaterThan(0);
    expect(mine?.[0]).toBe('second');
    // 300 ms of spinning on one core: at least a good part of it is this process's (the machine is shared).
    expect(Number(mine?.[2])).toBeGreaterThanOrEqual(100);
    expect(Number(mine?.[2])).toBeLessThan(2_000);
  });
});
