import * as t from 'io-ts';

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function nameCodec(name: string, pattern: RegExp, maxLength: number, rule: string): t.Type<string, string, unknown> {
  return new t.Type<string, string, unknown>(
    name,
    (input): input is string => typeof input === 'string' && input.length <= maxLength && pattern.test(input),
    (input, context) => {
      if (typeof input !== 'string' || input === '') return t.failure(input, context, 'is required and must be a non-empty string');
      if (input.length > maxLength) return t.failure(input, context, `must be at most ${maxLength} characters`);
      return pattern.test(input) ? t.success(input) : t.failure(input, context, `must be ${rule}`);
    },
    t.identity,
  );
}

/** A Lease name as Kubernetes accepts it: a DNS-1123 subdomain. */
export const LeaseName = nameCodec(
  'LeaseName', dnsSubdomain, 253,
  'a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
);

/** A namespace name as Kubernetes accepts it: a DNS-1123 label. */
export const NamespaceName = nameCodec(
  'NamespaceName', dnsLabel, 63,
  'a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit',
);

export const NonEmptyString = new t.Type<string, string, unknown>(
  'NonEmptyString',
  (input): input is string => typeof input === 'string' && input.trim() !== '',
  (input, context) => (typeof input === 'string' && input.trim() !== '' ? t.success(input) : t.failure(input, context, 'must be a non-empty string')),
  t.identity,
);

export const AuthType = new t.Type<'serviceAccount' | 'kubeConfig', string, unknown>(
  'AuthType',
  (input): input is 'serviceAccount' | 'kubeConfig' => input === 'serviceAccount' || input === 'kubeConfig',
  (input, context) => (input === 'serviceAccount' || input === 'kubeConfig' ? t.success(input) : t.failure(input, context, 'must be "serviceAccount" or "kubeConfig"')),
  t.identity,
);

export const Flag = new t.Type<boolean, boolean, unknown>(
  'Flag',
  (input): input is boolean => typeof input === 'boolean',
  (input, context) => (typeof input === 'boolean' ? t.success(input) : t.failure(input, context, 'must be true or false')),
  t.identity,
);
