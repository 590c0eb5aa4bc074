#!/usr/bin/env node
// Installed entry point: runs the TypeScript CLI through tsx's loader (a runtime dependency).
import { register } from 'tsx/esm/api';
register();
await import('../cli/main.ts');
