// What an Event must satisfy, on create and on update: the generic object metadata rules of
// @kubemu/api, then kube-apiserver's rules for Events written through core/v1 (its
// legacyValidateEvent). An Event without eventTime is an "old" Event: only its namespace must agree
// with its involvedObject's; one with eventTime must also name its reporter, action and reason.
import { invalid, invalidEach, isDNS1123Subdomain, isQualifiedName, required, validateCreate, validateUpdate } from '@kubemu/api';
import type { Event, FieldError, KubeObject } from '@kubemu/api';

const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

export function validateEventCreate(obj: KubeObject): FieldError[] {
  return [...validateCreate(obj), ...legacyEventErrors(obj as Event)];
}

export function validateEventUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  return [...validateUpdate(obj, old), ...legacyEventErrors(obj as Event)];
}

/** Go's zero time is how an absent eventTime reaches kube-apiserver's validation. */
function isZeroTime(t: unknown): boolean {
  return t === undefined || t === null || t === '' || (typeof t === 'string' && t.startsWith('0001-01-01T00:00:00'));
}

function legacyEventErrors(ev: Event): FieldError[] {
  const errs: FieldError[] = [];
  const namespace = ev.metadata?.namespace ?? '';
  const involvedNamespace = ev.involvedObject?.namespace ?? '';
  const mismatch = (): FieldError => invalid('involvedObject.namespace', involvedNamespace, 'does not match event.namespace');
  if (isZeroTime(ev.eventTime)) {
    if (involvedNamespace === '') {
      // Old clients record events about cluster-scoped objects in "default".
      if (namespace !== '' && namespace !== 'default') errs.push(mismatch());
    } else if (namespace !== involvedNamespace) {
      errs.push(mismatch());
    }
  } else {
    if (involvedNamespace === '' && namespace !== 'default' && namespace !== 'kube-system') errs.push(mismatch());
    // core/v1 calls the reporting controller reportingComponent.
    const controller = ev.reportingComponent ?? '';
    if (controller === '') errs.push(required('reportingComponent'));
    errs.push(...invalidEach('reportingComponent', controller, isQualifiedName(controller)));
    const instance = ev.reportingInstance ?? '';
    if (instance === '') errs.push(required('reportingInstance'));
    if (instance.length > REPORTING_INSTANCE_LIMIT) errs.push(invalid('reportingInstance', '', `can have at most ${REPORTING_INSTANCE_LIMIT} characters`));
    const action = ev.action ?? '';
    if (action === '') errs.push(required('action'));
    if (action.length > ACTION_LIMIT) errs.push(invalid('action', '', `can have at most ${ACTION_LIMIT} characters`));
    const reason = ev.reason ?? '';
    if (reason === '') errs.push(required('reason'));
    if (reason.length > REASON_LIMIT) errs.push(invalid('reason', '', `can have at most ${REASON_LIMIT} characters`));
    if ((ev.message ?? '').length > NOTE_LIMIT) errs.push(invalid('message', '', `can have at most ${NOTE_LIMIT} characters`));
  }
  errs.push(...invalidEach('namespace', namespace, isDNS1123Subdomain(namespace)));
  return errs;
}

/**
 * The fields of an Event that label and field selectors read (metadata names and labels, and the
 * fields events support in field selectors), kept with a write so that a watch can tell whether
 * the previous state matched its selector.
 */
export function selectableSkeleton(ev: KubeObject): KubeObject {
  const e = ev as Event;
  const meta = e.metadata ?? {};
  const out: Record<string, unknown> = {
    metadata: { name: meta.name, namespace: meta.namespace, ...(meta.labels === undefined ? {} : { labels: meta.labels }) },
  };
  if (e.involvedObject !== undefined) out.involvedObject = e.involvedObject;
  if (e.reason !== undefined) out.reason = e.reason;
  if (e.reportingComponent !== undefined) out.reportingComponent = e.reportingComponent;
  if (e.source !== undefined) out.source = e.source;
  if (e.type !== undefined) out.type = e.type;
  return out as KubeObject;
}
