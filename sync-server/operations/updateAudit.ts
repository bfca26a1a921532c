/**
 * Audit entries of the desktop app's update feed (issue 14): who published which version for
 * how many installations, who changed the rollout, and refused attempts. Written by the admin
 * CLI (`publish-update`, `set-update-rollout`) into the same audit log as every other operation,
 * so `/api/admin/audit` and `npm run admin -- audit` list them. Details hold names, versions and
 * percentages only — never a file's content, a path outside the release names, or a secret.
 */
import os from 'node:os';
import type { AuditLog } from '../observability/AuditLog';
import type { PublishResult, ReleaseManifest } from './updateReleases';

/** Who ran the command: the CLI has no account, so the operating-system user of the server. */
export function cliOperator(): string {
  try {
    return `système:${os.userInfo().username}`;
  } catch {
    return 'système:inconnu';
  }
}

/** The version and rollout currently published (first manifest), for the entry of a change. */
export function currentRelease(
  manifests: Map<string, ReleaseManifest>,
): { version: string; rolloutPercent: number | null } | null {
  const first = manifests.values().next();
  if (first.done) return null;
  return { version: first.value.version, rolloutPercent: first.value.stagingPercentage ?? null };
}

export function recordUpdatePublished(
  audit: AuditLog,
  input: { operator: string; result: PublishResult; previousVersion: string | null },
): void {
  audit.record({
    event: 'update.published',
    outcome: 'ok',
    details: {
      operator: input.operator,
      version: input.result.version,
      previousVersion: input.previousVersion,
      rolloutPercent: input.result.rolloutPercent,
      manifests: input.result.manifests,
      files: input.result.files,
      removed: input.result.removed,
    },
  });
}

export function recordRolloutChanged(
  audit: AuditLog,
  input: { operator: string; version: string | null; from: number | null; to: number; manifests: string[] },
): void {
  audit.record({
    event: 'update.rollout_changed',
    outcome: 'ok',
    details: {
      operator: input.operator,
      version: input.version,
      fromPercent: input.from,
      rolloutPercent: input.to,
      manifests: input.manifests,
    },
  });
}

/** A refused publication or rollout change, with the French reason the operator saw. */
export function recordUpdateRefused(
  audit: AuditLog,
  input: { operator: string; command: 'publish-update' | 'set-update-rollout'; reason: string },
): void {
  audit.record({
    event: input.command === 'publish-update' ? 'update.published' : 'update.rollout_changed',
    outcome: 'refused',
    details: { operator: input.operator, reason: input.reason },
  });
}
