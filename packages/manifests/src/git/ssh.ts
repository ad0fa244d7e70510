// GIT_SSH_COMMAND is run through a shell by git, so every value is single-quoted here.

export interface SshOptions {
  /** Private key to use (only this key: IdentitiesOnly). */
  privateKeyPath?: string;
  /** known_hosts file; host keys are checked strictly unless said otherwise. */
  knownHostsPath?: string;
  strictHostKeyChecking?: 'yes' | 'accept-new' | 'no';
  connectTimeoutSeconds?: number;
}

export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** The GIT_SSH_COMMAND value for these options: never interactive, bounded connect time. */
export function buildSshCommand(opts: SshOptions): string {
  const args = ['ssh', '-o', 'BatchMode=yes', '-o', `ConnectTimeout=${opts.connectTimeoutSeconds ?? 15}`];
  if (opts.privateKeyPath !== undefined) {
    args.push('-o', 'IdentitiesOnly=yes', '-i', shellQuote(opts.privateKeyPath));
  }
  if (opts.knownHostsPath !== undefined) {
    args.push('-o', shellQuote(`UserKnownHostsFile=${opts.knownHostsPath}`));
  }
  args.push('-o', `StrictHostKeyChecking=${opts.strictHostKeyChecking ?? 'yes'}`);
  return args.join(' ');
}
