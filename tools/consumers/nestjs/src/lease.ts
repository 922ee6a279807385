import { memoryLeases, type LeaseReference } from 'rx-k8s-leader';

export const lease: LeaseReference = { namespace: 'default', name: 'nestjs-consumer' };
/** The in-memory Lease store this app contends on, instead of a cluster. */
export const leases = memoryLeases();
