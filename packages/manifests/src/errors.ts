// Typed failures with stable codes: workers record `code` on the target, the API shows it.

export type GitErrorCode = 'repo_unreachable' | 'ref_not_found' | 'path_not_found' | 'git_timeout';

export type ManifestErrorCode =
  | 'invalid_manifest'
  | 'unsupported_kustomization'
  | 'unsupported_source'
  | 'path_not_found';

export class GitError extends Error {
  readonly code: GitErrorCode;
  readonly details: Record<string, unknown>;

  constructor(
    code: GitErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'GitError';
    this.code = code;
    this.details = details;
  }
}

/** Where in the source a manifest problem is: repo-relative file, 0-based document, 1-based line. */
export interface ManifestLocation {
  file?: string;
  document?: number;
  item?: number;
  line?: number;
  field?: string;
}

export class ManifestError extends Error {
  readonly code: ManifestErrorCode;
  readonly details: ManifestLocation;

  constructor(
    code: ManifestErrorCode,
    message: string,
    details: ManifestLocation = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ManifestError';
    this.code = code;
    this.details = details;
  }
}

export function isGitError(err: unknown): err is GitError {
  return err instanceof GitError;
}

export function isManifestError(err: unknown): err is ManifestError {
  return err instanceof ManifestError;
}
