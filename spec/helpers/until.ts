/** Polls `condition` every 5 ms until it holds, and resolves with how long that took; rejects after `limit` ms, saying `what` did not happen. */
export async function until(condition: () => boolean, limit: number, what: string): Promise<number> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > limit) throw new Error(`${what} within ${limit} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return performance.now() - started;
}
