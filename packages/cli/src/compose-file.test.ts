import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCompose, parseCompose, splitCommand } from './compose-file';
import { ComposeError } from './errors';

const parse = (text: string, env: NodeJS.ProcessEnv = {}) => parseCompose(text, { file: '/repo/compose.yaml', env });
const service = (text: string, name: string) => {
  const svc = parse(text).services.find((s) => s.name === name);
  if (svc === undefined) throw new Error(`no ${name}`);
  return svc;
};

describe('parseCompose', () => {
  it('applies YAML anchors and merge keys, and ignores Docker-only and x- fields', () => {
    const text = `
x-kubemu: &kubemu
  build: { context: ., dockerfile: docker/Dockerfile }
  image: kubemu:dev
  restart: unless-stopped
  init: true
  environment: { FROM_ANCHOR: "1" }
services:
  etcd-0:
    <<: *kubemu
    command: ["node", "main.js"]
    healthcheck: { test: ["CMD", "true"] }
    x-whatever: 3
`;
    const svc = service(text, 'etcd-0');
    expect(svc.restart).toEqual({ kind: 'unless-stopped' });
    expect(svc.environment).toEqual({ FROM_ANCHOR: '1' });
    expect(svc.argv).toEqual(['node', 'main.js']);
  });

  it('names the project after top-level name, else the directory', () => {
    expect(parse('services: { a: { command: x } }').name).toBe('repo');
    expect(parse('name: My_Proj\nservices: { a: { command: x } }').name).toBe('my_proj');
  });

  it('accepts environment as a map or a list', () => {
    expect(service('services: { a: { command: x, environment: { A: 1, B: "two" } } }', 'a').environment).toEqual({ A: '1', B: 'two' });
    expect(service('services: { a: { command: x, environment: ["A=1", "B=x=y"] } }', 'a').environment).toEqual({ A: '1', B: 'x=y' });
  });

  it('takes command as a list or a string split like a shell, after the entrypoint', () => {
    expect(service(`services: { a: { command: 'node -e "console.log(1 + 1)" --x=''y z''' } }`, 'a').argv).toEqual(['node', '-e', 'console.log(1 + 1)', '--x=y z']);
    expect(service('services: { a: { entrypoint: [node], command: [main.js, --v] } }', 'a').argv).toEqual(['node', 'main.js', '--v']);
    expect(splitCommand(`a "" 'b c' d\\ e`, 'x')).toEqual(['a', '', 'b c', 'd e']);
  });

  it('reads every restart policy and rejects others', () => {
    const policy = (p: string) => service(`services: { a: { command: x, restart: "${p}" } }`, 'a').restart;
    expect(policy('no')).toEqual({ kind: 'no' });
    expect(policy('always')).toEqual({ kind: 'always' });
    expect(policy('unless-stopped')).toEqual({ kind: 'unless-stopped' });
    expect(policy('on-failure')).toEqual({ kind: 'on-failure' });
    expect(policy('on-failure:3')).toEqual({ kind: 'on-failure', maxRetries: 3 });
    expect(service('services: { a: { command: x } }', 'a').restart).toEqual({ kind: 'no' });
    expect(() => policy('sometimes')).toThrow(/restart.*not one of/);
  });

  it('joins a namespace with network_mode service:X and starts X first', () => {
    const text = `
services:
  kube-proxy: { command: proxy, network_mode: "service:node-1" }
  node-1: { command: kubelet, depends_on: { api: { condition: service_healthy } } }
  api: { command: api }
`;
    const project = parse(text);
    expect(project.services.map((s) => s.name)).toEqual(['api', 'node-1', 'kube-proxy']);
    expect(service(text, 'kube-proxy').networkMode).toEqual({ kind: 'service', service: 'node-1' });
    expect(service(text, 'kube-proxy').dependsOn).toEqual(['node-1']);
  });

  it('maps named volumes and bind mounts', () => {
    const text = `
services:
  a: { command: x, volumes: ["data:/var/lib/a", "./conf:/etc/a:ro", { type: bind, source: /abs, target: /b }] }
volumes: { data: {} }
`;
    expect(service(text, 'a').volumes).toEqual([
      { kind: 'volume', source: 'data', target: '/var/lib/a', readOnly: false },
      { kind: 'bind', source: '/repo/conf', target: '/etc/a', readOnly: true },
      { kind: 'bind', source: '/abs', target: '/b', readOnly: false },
    ]);
    expect(() => parse('services: { a: { command: x, volumes: ["nope:/x"] } }')).toThrow(/volume nope is not declared/);
  });

  it('interpolates variables as compose does', () => {
    const text = 'services: { a: { command: ["$$HOME", "${PORT:-2379}", "${NAME}", "$NAME"] } }';
    expect(parse(text, { NAME: 'n' }).services[0]?.argv).toEqual(['$HOME', '2379', 'n', 'n']);
    expect(() => parse('services: { a: { command: "${MUST:?set it}" } }')).toThrow(/MUST is missing: set it/);
  });

  it('gives a clear error for malformed files', () => {
    expect(() => parse('services:\n  a: [unclosed\n')).toThrow(ComposeError);
    expect(() => parse('services:\n  a: [unclosed\n')).toThrow(/compose.yaml:\d+:\d+: malformed YAML/);
    expect(() => parse('services: [a, b]')).toThrow(/services must be a mapping/);
    expect(() => parse('services: { a: { image: x } }')).toThrow(/services.a: no command/);
    expect(() => parse('services: { a: { command: x, depends_on: [b] } }')).toThrow(/unknown service b/);
    expect(() => parse('services: { a: { command: x, depends_on: [b] }, b: { command: y, depends_on: [a] } }')).toThrow(/dependency cycle a -> b -> a/);
    expect(() => loadCompose('/nonexistent/compose.yaml')).toThrow(/cannot read/);
  });

  it('reads the repository compose.yaml', () => {
    const project = loadCompose(path.join(__dirname, '..', '..', '..', 'compose.yaml'));
    expect(project.services.length).toBeGreaterThan(0);
    // Every kubemu component is a node main; the event bus is the real nats-server.
    for (const svc of project.services) expect(svc.argv[0]).toBe(svc.name === 'nats' ? 'nats-server' : 'node');
  });

  it('reads env_file relative to the compose file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kubemu-compose-'));
    writeFileSync(path.join(dir, 'a.env'), '# comment\nX=1\nY="two"\n');
    writeFileSync(path.join(dir, 'compose.yaml'), 'services: { a: { command: x, env_file: a.env, environment: { Y: three } } }');
    expect(loadCompose(path.join(dir, 'compose.yaml')).services[0]?.environment).toEqual({ X: '1', Y: 'three' });
  });
});
