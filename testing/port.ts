import { connect } from 'node:net';

/** Whether something accepts TCP connections at host:port within `ms`: tests use it to see if a local broker is up. */
export function portOpen(host: string, port: number, ms = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
