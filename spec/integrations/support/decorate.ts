// This project compiles without experimentalDecorators (tsx and tsc alike), so specs cannot write
// NestJS's legacy decorators with @ syntax. These apply them exactly as tsc's __decorate does for
// an app compiled with experimentalDecorators: listed top to bottom as written, applied bottom-up.
import 'reflect-metadata';

/** As `@first @second ... method()` on `prototype[key]`. */
export function decorateMethod(prototype: object, key: string, decorators: readonly MethodDecorator[]): void {
  const descriptor = Reflect.decorate([...decorators], prototype, key, Object.getOwnPropertyDescriptor(prototype, key)) as PropertyDescriptor;
  Object.defineProperty(prototype, key, descriptor);
}

/** As `@first @second ... class`. */
export function decorateClass<T extends abstract new (...args: never[]) => unknown>(target: T, decorators: readonly ClassDecorator[]): T {
  return Reflect.decorate([...decorators], target as unknown as Function) as unknown as T; // eslint-disable-line @typescript-eslint/no-unsafe-function-type
}

/** As `constructor(@Inject(token) ...)` for each parameter, in order. */
export function injectParameters(target: abstract new (...args: never[]) => unknown, decorators: readonly ParameterDecorator[]): void {
  decorators.forEach((decorator, index) => decorator(target, undefined, index));
}

/** Waits `milliseconds`. */
export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

export { until } from '../../helpers/until.js';
