import { expect } from 'chai';
import { LeaseApiError } from '../../lib/errors/lease-api-error.js';

/** Awaits a call that must fail with a LeaseApiError, and returns the error. */
export async function failureOf(promise: Promise<unknown>): Promise<LeaseApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(LeaseApiError);
    return error as LeaseApiError;
  }
  throw new Error('expected a LeaseApiError');
}
