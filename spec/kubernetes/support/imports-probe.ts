// Read (never run) by no-static-client-node.spec.ts to prove its scan sees every static form.
/* eslint-disable */
// @ts-nocheck
import type { A } from 'a';
import 'b';
export { C } from 'c';
import D = require('d');
type E = typeof import('e');
