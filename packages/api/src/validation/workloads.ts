// apps/v1 and batch/v1 workload validation: selectors that match their template, replica counts,
// strategies, and the fields that may not change on update.
import type { CronJob, DaemonSet, Deployment, Job, LabelSelector, PodTemplateSpec, ReplicaSet, StatefulSet } from '../types';
import { LabelSelectorParseError, selectorFromLabelSelector } from '../selectors/label-selector';
import type { FieldError } from './field-errors';
import { FieldPath, forbidden, invalid, notSupported, required } from './field-errors';
import { inRange, nonNegative, oneOf } from './common';
import { invalidEach, isDNS1123Subdomain, maxLenError } from './names';
import { immutable, validateObjectMeta, validateObjectMetaUpdate } from './object-meta';
import { validatePodTemplateSpec } from './pod';

const SPEC = FieldPath.root('spec');
const meta = (m: Deployment['metadata']): FieldError[] => validateObjectMeta(m, { namespaced: true, validateName: isDNS1123Subdomain });

/** A required, non-empty selector that selects the template's labels; the template must restart Always. */
function selectorAndTemplate(
  selector: LabelSelector | undefined,
  template: PodTemplateSpec | undefined,
  path: FieldPath,
  kind: string,
  restartPolicies = ['Always'],
): FieldError[] {
  const errs: FieldError[] = [];
  if (!selector) {
    errs.push(required(path.child('selector')));
  } else {
    try {
      const sel = selectorFromLabelSelector(selector);
      if (sel.isEmpty()) errs.push(invalid(path.child('selector'), selector, `empty selector is invalid for ${kind}`));
      else if (!sel.matches(template?.metadata?.labels)) {
        errs.push(invalid(path.child('template', 'metadata', 'labels'), template?.metadata?.labels ?? {}, '`selector` does not match template `labels`'));
      }
    } catch (err) {
      if (!(err instanceof LabelSelectorParseError)) throw err;
      errs.push(invalid(path.child('selector'), selector, err.message));
    }
  }
  if (!template) return [...errs, required(path.child('template'))];
  errs.push(...validatePodTemplateSpec(template, path.child('template')));
  const rp = template.spec?.restartPolicy;
  if (rp && !restartPolicies.includes(rp)) errs.push(notSupported(path.child('template', 'spec', 'restartPolicy'), rp, restartPolicies));
  return errs;
}

export function validateDeployment(d: Deployment): FieldError[] {
  const s = d.spec;
  const errs = meta(d.metadata);
  if (!s) return [...errs, required(SPEC)];
  errs.push(...nonNegative(s.replicas, SPEC.child('replicas')));
  errs.push(...selectorAndTemplate(s.selector, s.template, SPEC, 'deployment'));
  errs.push(...oneOf(s.strategy?.type, ['Recreate', 'RollingUpdate'], SPEC.child('strategy', 'type')));
  if (s.strategy?.type === 'Recreate' && s.strategy.rollingUpdate) {
    errs.push(forbidden(SPEC.child('strategy', 'rollingUpdate'), 'may not be specified when strategy `type` is \'Recreate\''));
  }
  errs.push(...nonNegative(s.revisionHistoryLimit, SPEC.child('revisionHistoryLimit')));
  errs.push(...nonNegative(s.minReadySeconds, SPEC.child('minReadySeconds')));
  if (s.progressDeadlineSeconds !== undefined && s.progressDeadlineSeconds <= (s.minReadySeconds ?? 0)) {
    errs.push(invalid(SPEC.child('progressDeadlineSeconds'), s.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

export function validateReplicaSet(rs: ReplicaSet): FieldError[] {
  const s = rs.spec;
  const errs = meta(rs.metadata);
  if (!s) return [...errs, required(SPEC)];
  errs.push(...nonNegative(s.replicas, SPEC.child('replicas')));
  errs.push(...selectorAndTemplate(s.selector, s.template, SPEC, 'replicaset'));
  return errs;
}

export function validateStatefulSet(sts: StatefulSet): FieldError[] {
  const s = sts.spec;
  const errs = meta(sts.metadata);
  if (!s) return [...errs, required(SPEC)];
  errs.push(...nonNegative(s.replicas, SPEC.child('replicas')));
  errs.push(...selectorAndTemplate(s.selector, s.template, SPEC, 'statefulset'));
  errs.push(...oneOf(s.podManagementPolicy, ['OrderedReady', 'Parallel'], SPEC.child('podManagementPolicy')));
  errs.push(...oneOf(s.updateStrategy?.type, ['OnDelete', 'RollingUpdate'], SPEC.child('updateStrategy', 'type')));
  errs.push(...nonNegative(s.updateStrategy?.rollingUpdate?.partition, SPEC.child('updateStrategy', 'rollingUpdate', 'partition')));
  return errs;
}

export function validateDaemonSet(ds: DaemonSet): FieldError[] {
  const s = ds.spec;
  const errs = meta(ds.metadata);
  if (!s) return [...errs, required(SPEC)];
  errs.push(...selectorAndTemplate(s.selector, s.template, SPEC, 'daemonset'));
  errs.push(...oneOf(s.updateStrategy?.type, ['OnDelete', 'RollingUpdate'], SPEC.child('updateStrategy', 'type')));
  return errs;
}

function validateJobSpec(s: Job['spec'], path: FieldPath): FieldError[] {
  if (!s) return [required(path)];
  const errs: FieldError[] = [];
  errs.push(...nonNegative(s.parallelism, path.child('parallelism')));
  errs.push(...nonNegative(s.completions, path.child('completions')));
  errs.push(...nonNegative(s.backoffLimit, path.child('backoffLimit')));
  errs.push(...inRange(s.activeDeadlineSeconds, 1, Number.MAX_SAFE_INTEGER, path.child('activeDeadlineSeconds')));
  errs.push(...oneOf(s.completionMode, ['NonIndexed', 'Indexed'], path.child('completionMode'), false));
  if (!s.template) return [...errs, required(path.child('template'))];
  errs.push(...validatePodTemplateSpec(s.template, path.child('template')));
  const rp = s.template.spec?.restartPolicy;
  if (rp !== 'OnFailure' && rp !== 'Never') errs.push(notSupported(path.child('template', 'spec', 'restartPolicy'), rp ?? '', ['OnFailure', 'Never']));
  return errs;
}

export function validateJob(job: Job): FieldError[] {
  return [...meta(job.metadata), ...validateJobSpec(job.spec, SPEC)];
}

/** CronJob names leave room for the 11-character suffix of the jobs they create. */
export const CRONJOB_NAME_MAX_LENGTH = 52;

export function validateCronJob(cj: CronJob): FieldError[] {
  const errs = meta(cj.metadata);
  const name = cj.metadata?.name;
  if (name && name.length > CRONJOB_NAME_MAX_LENGTH) errs.push(...invalidEach(FieldPath.root('metadata', 'name'), name, [maxLenError(CRONJOB_NAME_MAX_LENGTH)]));
  const s = cj.spec;
  if (!s) return [...errs, required(SPEC)];
  // The schedule's cron syntax is checked by the cronjob controller's parser, not here (yet).
  if (!s.schedule || s.schedule.trim() === '') errs.push(required(SPEC.child('schedule')));
  errs.push(...oneOf(s.concurrencyPolicy, ['Allow', 'Forbid', 'Replace'], SPEC.child('concurrencyPolicy')));
  errs.push(...nonNegative(s.startingDeadlineSeconds, SPEC.child('startingDeadlineSeconds')));
  errs.push(...nonNegative(s.successfulJobsHistoryLimit, SPEC.child('successfulJobsHistoryLimit')));
  errs.push(...nonNegative(s.failedJobsHistoryLimit, SPEC.child('failedJobsHistoryLimit')));
  errs.push(...validateJobSpec(s.jobTemplate?.spec, SPEC.child('jobTemplate', 'spec')));
  return errs;
}

export function validateDeploymentUpdate(d: Deployment, old: Deployment): FieldError[] {
  return [...validateObjectMetaUpdate(d.metadata, old.metadata), ...validateDeployment(d), ...immutable(d.spec?.selector, old.spec?.selector, SPEC.child('selector'))];
}

export function validateReplicaSetUpdate(rs: ReplicaSet, old: ReplicaSet): FieldError[] {
  return [...validateObjectMetaUpdate(rs.metadata, old.metadata), ...validateReplicaSet(rs), ...immutable(rs.spec?.selector, old.spec?.selector, SPEC.child('selector'))];
}

export function validateDaemonSetUpdate(ds: DaemonSet, old: DaemonSet): FieldError[] {
  return [...validateObjectMetaUpdate(ds.metadata, old.metadata), ...validateDaemonSet(ds), ...immutable(ds.spec?.selector, old.spec?.selector, SPEC.child('selector'))];
}

export const STATEFULSET_UPDATE_FORBIDDEN =
  "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', " +
  "'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

export function validateStatefulSetUpdate(sts: StatefulSet, old: StatefulSet): FieldError[] {
  const errs = [...validateObjectMetaUpdate(sts.metadata, old.metadata), ...validateStatefulSet(sts)];
  const strip = (s: StatefulSet['spec']) => ({
    ...s,
    replicas: undefined,
    ordinals: undefined,
    template: undefined,
    updateStrategy: undefined,
    revisionHistoryLimit: undefined,
    persistentVolumeClaimRetentionPolicy: undefined,
    minReadySeconds: undefined,
  });
  if (immutable(strip(sts.spec), strip(old.spec), SPEC).length > 0) errs.push(forbidden(SPEC, STATEFULSET_UPDATE_FORBIDDEN));
  return errs;
}

/** A Job's selector, template and completion mode are fixed once created. */
export function validateJobUpdate(job: Job, old: Job): FieldError[] {
  return [
    ...validateObjectMetaUpdate(job.metadata, old.metadata),
    ...validateJob(job),
    ...immutable(job.spec?.selector, old.spec?.selector, SPEC.child('selector')),
    ...immutable(job.spec?.template, old.spec?.template, SPEC.child('template')),
    ...immutable(job.spec?.completionMode, old.spec?.completionMode, SPEC.child('completionMode')),
  ];
}
