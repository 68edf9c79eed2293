import { describe, expect, test } from '@jest/globals';
import { feesJob } from '../../../src/jobs/fees';

describe('the fee settlement job', () => {
  const job = (payPeriod: 'monthly' | 'semimonthly') => feesJob({ config: { payPeriod }, tariffs: [] } as never);
  test('runs on the 1st for a monthly pay period, on the 1st and the 16th twice a month', () => {
    expect(job('monthly').cron).toBe('0 7 1 * *');
    expect(job('semimonthly').cron).toBe('0 7 1,16 * *');
    expect(job('monthly').name).toBe('fees');
  });
});
