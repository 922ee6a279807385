/** The injection token of this replica's name (its pod name in a cluster). */
export const REPLICA = 'REPLICA';
