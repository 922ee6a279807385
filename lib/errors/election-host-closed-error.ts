/** An election was asked of an {@link ElectionHost} that is closed (or closing). */
export class ElectionHostClosedError extends Error {
  /** Always `'ElectionHostClosedError'`. */
  override readonly name = 'ElectionHostClosedError';

  constructor(lease: string) {
    super(`the election host is closed: no election on lease ${lease} can start in it; create another host (or use the default one)`);
  }
}
