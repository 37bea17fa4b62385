import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + start);
    dir = parent;
  }
  return dir;
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** The checkout (or image) root: views, public and node_modules live here. */
export const appRoot = findRoot(here);
/** Compiled code runs from dist/src, TypeScript from src: migrations sit beside each. */
export const migrationsDir = path.join(here, '..', 'migrations');
export const viewsDir = path.join(appRoot, 'views');
export const publicDir = path.join(appRoot, 'public');
