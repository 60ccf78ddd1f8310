#!/usr/bin/env node
// `npm start`: builds what changed, then runs every part of the product that exists on loopback
// with embedded defaults, forwarding Ctrl-C so no child outlives it. Parts join this list as
// their issues land (API, bot, tab, SMTP capture).
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The processes `npm start` runs, each a built entry point. */
const parts = [{ name: 'emulator', entry: 'm365-emulator/dist/main.js' }];

const build = spawnSync(
  process.execPath,
  [`${root}node_modules/typescript/bin/tsc`, '-b', 'tsconfig.build.json'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (build.status !== 0) {
  console.error('npm start: the build failed; fix the errors above and run it again.');
  process.exit(build.status ?? 1);
}

const children = parts.map((part) => {
  const child = spawn(process.execPath, [part.entry], { cwd: root, stdio: 'inherit', env: process.env });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`npm start: ${part.name} stopped (${signal ?? `exit code ${code}`}); stopping the rest.`);
      stop(code ?? 1);
    }
  });
  return child;
});

let stopping = false;
/** Stops every child and exits once they are all gone. */
function stop(exitCode) {
  stopping = true;
  let running = children.filter((child) => child.exitCode === null && child.signalCode === null);
  if (running.length === 0) process.exit(exitCode);
  for (const child of running) {
    child.once('exit', () => {
      running = running.filter((other) => other !== child);
      if (running.length === 0) process.exit(exitCode);
    });
    child.kill('SIGTERM');
  }
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
