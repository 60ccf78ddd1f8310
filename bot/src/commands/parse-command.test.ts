import { describe, expect, it } from 'vitest';
import { parseCommand } from './parse-command.js';

describe('parseCommand', () => {
  it.each([
    ['sync', 'sync'],
    ['SYNC', 'sync'],
    ['  Status  ', 'status'],
    ['extend', 'extend'],
    ['help', 'help'],
    ['<at>Cloud App Security</at> sync', 'sync'],
    ['<at>Cloud App Security</at>&nbsp;status', 'status'],
    ['@Cloud App Security extend', 'extend'],
    ['@CAS help', 'help'],
    ['status.', 'status'],
    ['sync please', 'sync'],
    ['<p>status</p>', 'status'],
    ['notify here', 'notify here'],
    ['<at>Cloud App Security</at> Notify  here.', 'notify here'],
    ['@CAS notify off', 'notify off'],
    ['notify off please', 'notify off'],
  ])('reads %j as %s', (text, command) => {
    expect(parseCommand(text)).toEqual({ command });
  });

  it.each([
    ['hello', 'hello'],
    ['please sync', 'please sync'],
    ['synchronize', 'synchronize'],
    ['', ''],
    ['<at>Cloud App Security</at>', ''],
    ['notify', 'notify'],
    ['notify everyone', 'notify everyone'],
    ['here notify', 'here notify'],
  ])('does not take %j for a command', (text, unknown) => {
    expect(parseCommand(text)).toEqual({ unknown });
  });
});
