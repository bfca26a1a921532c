// Test helper: Debian's nginx running deploy/nginx/ as shipped — only the listening ports, the
// nodes' addresses and the certificate paths changed for loopback — with a throwaway
// certificate for `localhost`, in a temporary folder.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import WebSocket from 'ws';

const run = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
export const NGINX = '/usr/sbin/nginx';

export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** deploy/nginx/usine-upstreams.conf with the test's nodes (each upstream lists them all). */
async function upstreams(nodePorts: number[]): Promise<string> {
  const shipped = await fs.readFile(path.join(HERE, 'nginx', 'usine-upstreams.conf'), 'utf8');
  let serverLines = 0;
  const config = shipped
    .split('\n')
    .flatMap((line) => {
      if (!/^\s*server 127\.0\.0\.1:\d+/.test(line)) return [line];
      // The first node's line of each upstream becomes the test's list; the others go.
      if (serverLines++ % 2 === 1) return [];
      return nodePorts.map((port) => line.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`));
    })
    .join('\n');
  if (serverLines !== 4) throw new Error(`expected two upstreams of two nodes, found ${serverLines} lines`);
  return config;
}

async function isOpen(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
  });
}

export class NginxHarness {
  private process: ChildProcess | undefined;

  private constructor(
    readonly dir: string,
    /** The certificate clients must trust (self-signed, for `localhost`). */
    readonly ca: Buffer,
    readonly httpPort: number,
    readonly httpsPort: number,
  ) {}

  static async create(): Promise<NginxHarness> {
    await fs.access(NGINX);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'usine-nginx-'));
    // prettier-ignore
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ]);
    const ca = await fs.readFile(path.join(dir, 'cert.pem'));
    return new NginxHarness(dir, ca, await freePort(), await freePort());
  }

  /** deploy/nginx/usine-a-sites.conf with the test's ports, upstreams and certificate. */
  private async siteConfig(): Promise<string> {
    const shipped = await fs.readFile(path.join(HERE, 'nginx', 'usine-a-sites.conf'), 'utf8');
    return shipped
      .replace(/listen 80;/, `listen 127.0.0.1:${this.httpPort};`)
      .replace(/listen 443 ssl http2;/, `listen 127.0.0.1:${this.httpsPort} ssl http2;`)
      .replace(/^\s*listen \[::\].*$/gm, '')
      .replace('/etc/nginx/usine-upstreams.conf', path.join(this.dir, 'usine-upstreams.conf'))
      .replace('/etc/usine-a-sites/tls/fullchain.pem', path.join(this.dir, 'cert.pem'))
      .replace('/etc/usine-a-sites/tls/privkey.pem', path.join(this.dir, 'key.pem'))
      .replace('/etc/nginx/snippets/usine-tls-anssi.conf', path.join(HERE, 'nginx', 'usine-tls-anssi.conf'));
  }

  /**
   * (Re)starts nginx in front of these nodes; answers what `nginx -t` said (it must say
   * « test is successful »).
   */
  async start(nodePorts: number[]): Promise<string> {
    await this.stop();
    const { dir } = this;
    await fs.writeFile(path.join(dir, 'usine-upstreams.conf'), await upstreams(nodePorts));
    await fs.writeFile(path.join(dir, 'usine-a-sites.conf'), await this.siteConfig());
    const user = process.getuid?.() === 0 ? 'user root root;' : '';
    await fs.writeFile(
      path.join(dir, 'nginx.conf'),
      `${user}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/usine-a-sites.conf;
}
`,
    );
    const configFile = path.join(dir, 'nginx.conf');
    const check = await run(NGINX, ['-t', '-p', dir, '-c', configFile]).catch(
      (error: { stderr: string }) => ({ stderr: error.stderr }),
    );
    this.process = spawn(NGINX, ['-p', dir, '-c', configFile], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (!(await isOpen(this.httpsPort))) {
      if (Date.now() > deadline) throw new Error(`nginx did not start: ${check.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return check.stderr;
  }

  async stop(): Promise<void> {
    const running = this.process;
    this.process = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  }

  async remove(): Promise<void> {
    await this.stop();
    await fs.rm(this.dir, { recursive: true, force: true });
  }

  /** The proxy's sync address, `wss://localhost:…/sync`. */
  get syncUrl(): string {
    return `wss://localhost:${this.httpsPort}/sync`;
  }

  /** A WebSocket class for y-websocket that trusts this harness's certificate only. */
  get TrustingSocket(): new (url: string, protocols?: string | string[]) => WebSocket {
    const ca = this.ca;
    return class TrustingSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { ca });
      }
    };
  }
}
