// The tether-kube-sim binary: prints its kubeconfig path, serves kubectl over TLS with a token,
// logs JSON to stderr, saves its snapshot and exits cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { eventually, kubectl } from './sim-support.ts';

const cli = resolve(import.meta.dirname, '../src/cli.ts');

describe('tether-kube-sim CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kube-sim-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('starts, serves kubectl, and shuts down on SIGTERM saving its snapshot', async () => {
    const kubeconfig = join(dir, 'config.yaml');
    const snapshot = join(dir, 'snap.json');
    const child = spawn(
      process.execPath,
      [
        cli,
        '--port',
        '0',
        '--token',
        'cli-token',
        '--tls',
        '--kubeconfig',
        kubeconfig,
        '--snapshot',
        snapshot,
        '--clusters',
        '2',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await eventually('the kubeconfig path on stdout', () => stdout.includes('\n'));
      assert.equal(stdout.trim(), kubeconfig);
      const config = parse(readFileSync(kubeconfig, 'utf8'));
      assert.match(config.clusters[0].cluster.server, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(config.clusters[0].cluster['certificate-authority-data']);
      assert.equal(config.users[0].user.token, 'cli-token');

      const ns = await kubectl(['get', 'namespaces', '-o', 'name'], { kubeconfig }, dir);
      assert.match(ns.stdout, /namespace\/kube-system/);
      await kubectl(['create', 'configmap', 'from-cli', '--from-literal=a=b'], { kubeconfig }, dir);
      const all = parse(readFileSync(join(dir, 'config-all.yaml'), 'utf8'));
      assert.equal(all.contexts.length, 3);

      const logLines = stderr
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.ok(logLines.some((l) => l.msg === 'kube-sim ready'));
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    assert.ok(existsSync(snapshot));
    const saved = JSON.parse(readFileSync(snapshot, 'utf8'));
    assert.ok(
      saved.clusters
        .find((c: { name: string }) => c.name === 'kube-sim')
        .objects.some(
          (o: { object: { metadata: { name: string } } }) => o.object.metadata.name === 'from-cli',
        ),
    );
  });
});
