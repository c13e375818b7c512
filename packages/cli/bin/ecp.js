#!/usr/bin/env node
// The ecp command runs ECP's TypeScript sources through tsx's loader, as every ECP process does.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
