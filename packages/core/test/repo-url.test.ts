import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { normalizeRepoUrl, TetherError } from '../src/index.ts';

test('every spelling of one GitHub repository maps to one canonical name', () => {
  const spellings = [
    'https://github.com/Org/Repo.git',
    'https://github.com/org/repo',
    'https://github.com/org/repo/',
    'https://github.com/org/repo.git/',
    'http://github.com/org/repo',
    'https://x-access-token:secret@github.com/org/repo.git',
    'https://github.com:443/org/repo',
    'git@github.com:org/repo.git',
    'git@github.com:Org/Repo',
    'ssh://git@github.com/org/repo',
    'ssh://git@github.com:22/org/repo.git',
    'git+ssh://git@github.com/org/repo',
    'git://github.com/org/repo.git',
    '  HTTPS://GitHub.com/org/repo  ',
    'github.com/org/repo',
  ];
  for (const s of spellings) assert.equal(normalizeRepoUrl(s), 'github.com/org/repo', s);
});

test('nested groups and non-default ports are kept', () => {
  assert.equal(normalizeRepoUrl('https://gitlab.example.com/a/b/c.git'), 'gitlab.example.com/a/b/c');
  assert.equal(normalizeRepoUrl('http://127.0.0.1:8080/demo'), '127.0.0.1:8080/demo');
  assert.equal(normalizeRepoUrl('ssh://git@git.example.com:2222/team/app'), 'git.example.com:2222/team/app');
  assert.notEqual(
    normalizeRepoUrl('https://github.com/org/repo-a'),
    normalizeRepoUrl('https://github.com/org/repo'),
  );
});

test('file URLs and local paths become absolute paths with case kept', () => {
  assert.equal(normalizeRepoUrl('file:///srv/Git/Repo.git'), '/srv/Git/Repo.git');
  assert.equal(normalizeRepoUrl('file:///srv/git/repo/'), '/srv/git/repo');
  assert.equal(normalizeRepoUrl('/srv/git/repo/'), '/srv/git/repo');
  assert.equal(normalizeRepoUrl('./repos/a'), resolve('repos/a'));
});

test('normalisation is idempotent', () => {
  for (const s of ['https://GitHub.com/Org/Repo.git', 'git@host.io:a/b', 'file:///tmp/x', 'http://h:81/x/']) {
    const once = normalizeRepoUrl(s);
    assert.equal(normalizeRepoUrl(once), once, s);
  }
});

test('garbage is rejected with invalid_request', () => {
  for (const s of [
    '',
    '   ',
    'ftp://example.com/x',
    'https://github.com',
    'https://github.com/',
    'just-a-word',
  ]) {
    assert.throws(
      () => normalizeRepoUrl(s),
      (err: unknown) => err instanceof TetherError && err.code === 'invalid_request',
      s,
    );
  }
});
