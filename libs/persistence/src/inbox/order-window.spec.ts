import fc from 'fast-check';
import { OrderWindow } from './order-window';

describe('OrderWindow', () => {
  const t0 = 1_800_000_000_000;

  it('stays at its base while calls arrive at once', () => {
    const window = new OrderWindow(1_000, 5_000);
    for (let i = 0; i < 100; i++) window.observe(80 + i, t0 + i * 50);
    expect(window.current(t0 + 5_000)).toBe(1_000);
  });

  it('widens to the latest arrival of the horizon, up to its most, and narrows again once the horizon passes it', () => {
    const window = new OrderWindow(1_000, 5_000, 30_000);
    window.observe(3_400, t0);
    expect(window.current(t0 + 10)).toBe(3_400);
    window.observe(12_000, t0 + 2_000); // a retry long after: held to the most
    expect(window.current(t0 + 2_500)).toBe(5_000);
    expect(window.current(t0 + 29_000)).toBe(5_000);
    expect(window.current(t0 + 33_000)).toBe(1_000);
  });

  it('ignores what cannot be a delay (clocks a little apart, a missing time)', () => {
    const window = new OrderWindow(1_000, 5_000);
    window.observe(-300, t0);
    window.observe(Number.NaN, t0);
    expect(window.current(t0)).toBe(1_000);
  });

  it('is always within [base, most] and at least every delay of the last horizon below the most', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ late: fc.integer({ min: 0, max: 20_000 }), after: fc.integer({ min: 0, max: 3_000 }) }), { maxLength: 60 }), (calls) => {
        const window = new OrderWindow(1_000, 5_000, 10_000);
        let now = t0;
        const seen: { at: number; late: number }[] = [];
        for (const call of calls) {
          now += call.after;
          window.observe(call.late, now);
          seen.push({ at: now, late: call.late });
        }
        const current = window.current(now);
        expect(current).toBeGreaterThanOrEqual(1_000);
        expect(current).toBeLessThanOrEqual(5_000);
        // Whole seconds of the horizon: anything observed within the last 9 s counts.
        for (const s of seen) if (now - s.at < 9_000) expect(current).toBeGreaterThanOrEqual(Math.min(5_000, s.late));
      }),
    );
  });
});
