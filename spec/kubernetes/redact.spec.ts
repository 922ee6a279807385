import { expect } from 'chai';
import { redact } from '../../lib/kubernetes/redact.js';

describe('redact', () => {
  it('removes PEM blocks, bearer and basic credentials, JWTs and long mixed-case base64', () => {
    const pem = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB3k\n-----END EC PRIVATE KEY-----';
    expect(redact(`key ${pem} end`)).to.equal('key [PEM redacted] end');
    expect(redact('-----BEGIN CERTIFICATE-----\nMIIB cut short')).to.equal('[PEM redacted]');
    expect(redact('Authorization: Bearer abc.def')).to.equal('Authorization: Bearer [redacted]');
    expect(redact('Basic dXNlcjpwYXNz')).to.equal('Basic [redacted]');
    expect(redact('token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln rest')).to.equal('token [token redacted] rest');
    expect(redact('data aGVsbG8gd29ybGQgdGhpcyBpcyBhIGxvbmcgc2VjcmV0IDEyMw== end')).to.equal('data [redacted] end');
  });

  it('keeps names, addresses and error codes, and cuts long text', () => {
    const message = 'connect ECONNREFUSED 127.0.0.1:6443 for lease a-very-long-lease-name-for-the-reports-service-in-prod';
    expect(redact(message)).to.equal(message);
    expect(redact('x'.repeat(400), 10)).to.equal(`${'x'.repeat(10)}…`);
  });
});
