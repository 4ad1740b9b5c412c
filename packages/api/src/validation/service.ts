// Service validation (ValidateService, ValidateServiceUpdate).
import { isIP } from 'node:net';
import type { Service } from '../types';
import type { FieldError } from './field-errors';
import { duplicate, FieldPath, forbidden, invalid, required } from './field-errors';
import { oneOf, validatePortName, validPort } from './common';
import { invalidEach, isDNS1035Label, isDNS1123Label, validateLabels } from './names';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta';
import { PROTOCOLS } from './pod';

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const AFFINITIES = ['ClientIP', 'None'];
const SPEC = FieldPath.root('spec');

export function validateService(svc: Service): FieldError[] {
  const errs = validateObjectMeta(svc.metadata, { namespaced: true, validateName: isDNS1035Label });
  const s = svc.spec ?? {};
  const type = s.type ?? 'ClusterIP';
  errs.push(...oneOf(s.type, SERVICE_TYPES, SPEC.child('type')));
  const headless = s.clusterIP === 'None';
  const ports = s.ports ?? [];
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(required(SPEC.child('ports')));
  if (type === 'ExternalName' && !s.externalName) errs.push(required(SPEC.child('externalName')));
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const pp = SPEC.child('ports').index(i);
    if (ports.length > 1 && !p.name) errs.push(required(pp.child('name')));
    if (p.name) {
      // Service port names are DNS-1123 labels (unlike container port names, they need no letter).
      errs.push(...invalidEach(pp.child('name'), p.name, isDNS1123Label(p.name)));
      if (names.has(p.name)) errs.push(duplicate(pp.child('name'), p.name));
      names.add(p.name);
    }
    if (!p.port) errs.push(required(pp.child('port')));
    else errs.push(...validPort(p.port, pp.child('port')));
    errs.push(...oneOf(p.protocol, PROTOCOLS, pp.child('protocol')));
    const tp = p.targetPort;
    if (typeof tp === 'number') errs.push(...validPort(tp, pp.child('targetPort')));
    else if (typeof tp === 'string') errs.push(...validatePortName(tp, pp.child('targetPort')));
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (type === 'ClusterIP') errs.push(forbidden(pp.child('nodePort'), "may not be used when `type` is 'ClusterIP'"));
      else errs.push(...validPort(p.nodePort, pp.child('nodePort')));
    }
  });
  if (s.clusterIP && s.clusterIP !== 'None' && isIP(s.clusterIP) === 0) {
    errs.push(invalid(SPEC.child('clusterIPs').index(0), s.clusterIP, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  }
  errs.push(...oneOf(s.sessionAffinity, AFFINITIES, SPEC.child('sessionAffinity'), false));
  errs.push(...validateLabels(s.selector, SPEC.child('selector')));
  return errs;
}

/** The cluster IP may not change once set (except when the service becomes ExternalName). */
export function validateServiceUpdate(svc: Service, old: Service): FieldError[] {
  const errs = [...validateObjectMetaUpdate(svc.metadata, old.metadata), ...validateService(svc)];
  const before = old.spec?.clusterIP;
  const after = svc.spec?.clusterIP;
  if (before && svc.spec?.type !== 'ExternalName' && after !== before) {
    errs.push(invalid(SPEC.child('clusterIPs').index(0), after ?? '', 'may not change once set'));
  }
  return errs;
}
