// A minimal Asterisk Manager Interface client for tests that run thousands of CLI commands: one TCP
// connection, `Action: Command`, answers matched in order. `asterisk -rx` costs ~50 ms a command (a
// process start each); over AMI a `pjsip show endpoint` takes about a millisecond.
import { writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { freePort, type RealAsterisk } from './real-asterisk.js';

export interface Ami {
  command(cli: string): Promise<string>;
  close(): void;
}

/** Turns on the manager of a running test Asterisk (loopback, a throwaway user) and logs in. */
export async function openAmi(ast: RealAsterisk): Promise<Ami> {
  const port = await freePort();
  const secret = `t${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(ast.home, 'etc/manager.conf'),
    `[general]\nenabled = yes\nport = ${port}\nbindaddr = 127.0.0.1\n\n[test]\nsecret = ${secret}\nread = all\nwrite = all\n`);
  await ast.cli('module reload manager');
  let socket: Socket | undefined;
  for (let i = 0; i < 40 && !socket; i++) {
    socket = await new Promise<Socket | undefined>((resolve) => {
      const s = connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', () => resolve(undefined));
    });
    if (!socket) await new Promise((r) => setTimeout(r, 100));
  }
  if (!socket) throw new Error(`the manager did not listen on 127.0.0.1:${port}`);
  const s = socket;
  s.setEncoding('utf8');
  let buf = '';
  const waiting: Array<(block: string) => void> = [];
  const blocks: string[] = [];
  s.on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\r\n\r\n'); i !== -1; i = buf.indexOf('\r\n\r\n')) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 4);
      if (/^Event:/m.test(block) && !/^Response:/m.test(block)) continue; // unsolicited events
      const w = waiting.shift();
      if (w) w(block); else blocks.push(block);
    }
  });
  const next = () => new Promise<string>((resolve) => { const b = blocks.shift(); if (b !== undefined) resolve(b); else waiting.push(resolve); });
  // the greeting line ends with a single CRLF: the first block is greeting + login response
  s.write(`Action: Login\r\nUsername: test\r\nSecret: ${secret}\r\nEvents: off\r\n\r\n`);
  const login = await next();
  if (!/Response: Success/.test(login)) throw new Error(`manager login failed: ${login}`);
  let chain = Promise.resolve('');
  return {
    command(cli: string) {
      const run = async () => {
        s.write(`Action: Command\r\nCommand: ${cli}\r\n\r\n`);
        const block = await next();
        if (!/^Response: Success/m.test(block)) throw new Error(`manager command ${cli} failed: ${block}`);
        return block.split('\r\n').filter((l) => l.startsWith('Output: ') || l === 'Output:').map((l) => l.slice(8)).join('\n') + '\n';
      };
      chain = chain.then(run, run);
      return chain;
    },
    close() { s.end(); s.destroy(); },
  };
}
