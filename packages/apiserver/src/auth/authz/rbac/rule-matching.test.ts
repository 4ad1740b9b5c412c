import type { UserInfo } from '../../user';
import type { RequestAttributes } from '../attributes';
import type { PolicyRule } from './rule-matching';
import { ruleAllows } from './rule-matching';

const user: UserInfo = { username: 'alice', groups: [] };
const res = (verb: string, apiGroup: string, resource: string, extra: Partial<RequestAttributes> = {}): RequestAttributes => ({
  user,
  verb,
  resourceRequest: true,
  apiGroup,
  resource,
  ...extra,
});
const path = (verb: string, p: string): RequestAttributes => ({ user, verb, resourceRequest: false, path: p });

describe('ruleAllows', () => {
  it('matches verbs exactly or by *', () => {
    const rule: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] };
    expect(ruleAllows(res('get', '', 'pods'), rule)).toBe(true);
    expect(ruleAllows(res('delete', '', 'pods'), rule)).toBe(false);
    expect(ruleAllows(res('delete', '', 'pods'), { ...rule, verbs: ['*'] })).toBe(true);
  });

  it('matches API groups exactly or by *; the core group is ""', () => {
    const rule: PolicyRule = { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] };
    expect(ruleAllows(res('get', 'apps', 'deployments'), rule)).toBe(true);
    expect(ruleAllows(res('get', 'extensions', 'deployments'), rule)).toBe(false);
    expect(ruleAllows(res('get', '', 'deployments'), rule)).toBe(false);
    expect(ruleAllows(res('get', 'extensions', 'deployments'), { ...rule, apiGroups: ['*'] })).toBe(true);
    expect(ruleAllows(res('get', 'apps', 'deployments'), { ...rule, apiGroups: undefined })).toBe(false);
  });

  it('treats a subresource as its own resource: pods does not cover pods/log', () => {
    const rule: PolicyRule = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
    expect(ruleAllows(res('get', '', 'pods', { subresource: 'log' }), rule)).toBe(false);
    expect(ruleAllows(res('get', '', 'pods', { subresource: 'log' }), { ...rule, resources: ['pods/log'] })).toBe(true);
    expect(ruleAllows(res('get', '', 'pods'), { ...rule, resources: ['pods/log'] })).toBe(false);
  });

  it('matches */<subresource> on any resource and * on everything including subresources', () => {
    const scale: PolicyRule = { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] };
    expect(ruleAllows(res('get', 'apps', 'deployments', { subresource: 'scale' }), scale)).toBe(true);
    expect(ruleAllows(res('get', 'apps', 'deployments', { subresource: 'status' }), scale)).toBe(false);
    expect(ruleAllows(res('get', 'apps', 'deployments'), scale)).toBe(false);
    const all: PolicyRule = { verbs: ['get'], apiGroups: ['*'], resources: ['*'] };
    expect(ruleAllows(res('get', '', 'pods', { subresource: 'exec' }), all)).toBe(true);
  });

  it('limits to resourceNames when given; a request without a name (list, create) does not match them', () => {
    const rule: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'] };
    expect(ruleAllows(res('get', '', 'configmaps', { name: 'cluster-info' }), rule)).toBe(true);
    expect(ruleAllows(res('get', '', 'configmaps', { name: 'other' }), rule)).toBe(false);
    expect(ruleAllows(res('list', '', 'configmaps'), rule)).toBe(false);
  });

  it('matches non-resource URLs exactly, by *, and by a trailing * as prefix', () => {
    const rule: PolicyRule = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] };
    expect(ruleAllows(path('get', '/healthz'), rule)).toBe(true);
    expect(ruleAllows(path('get', '/healthz/etcd'), rule)).toBe(false);
    expect(ruleAllows(path('get', '/apis/apps/v1'), rule)).toBe(true);
    expect(ruleAllows(path('get', '/apis'), rule)).toBe(false);
    expect(ruleAllows(path('post', '/healthz'), rule)).toBe(false);
    expect(ruleAllows(path('get', '/anything'), { verbs: ['*'], nonResourceURLs: ['*'] })).toBe(true);
  });

  it('keeps resource rules and non-resource rules apart', () => {
    expect(ruleAllows(path('get', '/api'), { verbs: ['*'], apiGroups: ['*'], resources: ['*'] })).toBe(false);
    expect(ruleAllows(res('get', '', 'pods'), { verbs: ['*'], nonResourceURLs: ['*'] })).toBe(false);
  });
});
