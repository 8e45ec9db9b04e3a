// Stand-ins that make the test API server enforce what deploy/ ships: the agent ClusterRole of
// deploy/rbac.yaml (an authorizer reading its rules) and the ValidatingAdmissionPolicy of
// deploy/admission-policy.yaml (its CEL evaluated by the test server's CEL evaluator, with the
// node-bound token's user info supplied per test user, which the test server cannot issue).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { evaluate } from '../kubeapi/cel/eval.js';
import { parseCel } from '../kubeapi/cel/parser.js';
import type { AdmissionDenial, AdmissionRequest, AuthorizeRequest, TestApiServer } from '../kubeapi/index.js';
import { REPO_ROOT } from './repo.js';

export const AGENT_SA = 'system:serviceaccount:nodenet-system:nodenet-agent';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

function deployDocs(file: string): Record<string, any>[] {
  return parseAllDocuments(readFileSync(join(REPO_ROOT, 'deploy', file), 'utf8')).map((d) => d.toJS() as Record<string, any>);
}

export function agentRules(): Rule[] {
  const role = deployDocs('rbac.yaml').find((d) => d.kind === 'ClusterRole');
  if (!role) throw new Error('deploy/rbac.yaml has no ClusterRole');
  return role.rules as Rule[];
}

/** Whether the ClusterRole allows a request (RBAC semantics: group, resource[/subresource], verb). */
export function allowedByRules(rules: readonly Rule[], r: Pick<AuthorizeRequest, 'verb' | 'group' | 'resource' | 'subresource'>): boolean {
  const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  return rules.some((rule) => rule.apiGroups.includes(r.group) && rule.resources.includes(resource) && (rule.verbs.includes(r.verb) || rule.verbs.includes('*')));
}

export interface PolicyIdentity {
  /** The username the real cluster would see (the agent's service account). */
  username: string;
  /** The node its token is bound to; undefined: a token without the node claim. */
  node?: string;
}

export interface EnforcedPolicy {
  /** Requests the ClusterRole refused (should stay empty for a well-scoped agent). */
  refused: string[];
  /** Requests the admission policy refused. */
  denied: string[];
  stop(): void;
}

/**
 * Enforces deploy/rbac.yaml and deploy/admission-policy.yaml for the test users in `agents`
 * (test user name -> identity). Other users (admin) are not restricted.
 */
export function enforceDeployPolicy(server: TestApiServer, agents: Record<string, PolicyIdentity>): EnforcedPolicy {
  const rules = agentRules();
  const policies = loadPolicies();
  const policy: Policy = (req, id) => {
    for (const p of policies) {
      const denial = p(req, id);
      if (denial) return denial;
    }
    return undefined;
  };
  const out: EnforcedPolicy = { refused: [], denied: [], stop: () => undefined };
  const offAuthz = server.onAuthorize((r) => {
    if (!agents[r.user]) return true;
    if (allowedByRules(rules, r)) return true;
    out.refused.push(`${r.user} ${r.verb} ${r.group}/${r.resource}${r.subresource ? `/${r.subresource}` : ''}`);
    return false;
  });
  const offAdmit = server.onAdmission((req) => {
    const id = agents[req.user];
    if (!id) return undefined;
    const denial = policy(req, id);
    if (denial) out.denied.push(`${req.user} ${req.operation} ${req.resource}${req.subresource ? `/${req.subresource}` : ''} ${req.name}: ${denial.message}`);
    return denial;
  });
  out.stop = (): void => {
    offAuthz();
    offAdmit();
  };
  return out;
}

type Policy = (req: AdmissionRequest, id: PolicyIdentity) => AdmissionDenial | undefined;

/** Every ValidatingAdmissionPolicy of deploy/admission-policy.yaml as a function (a request must pass all). */
export function loadPolicies(): Policy[] {
  const vaps = deployDocs('admission-policy.yaml').filter((d) => d.kind === 'ValidatingAdmissionPolicy');
  if (vaps.length === 0) throw new Error('no ValidatingAdmissionPolicy in deploy/admission-policy.yaml');
  return vaps.map(compilePolicy);
}

/** One policy: matchConstraints, matchConditions, variables, validations. */
function compilePolicy(vap: Record<string, any>): Policy {
  const spec = vap.spec as {
    matchConstraints: { resourceRules: { apiGroups: string[]; operations: string[]; resources: string[] }[] };
    matchConditions: { expression: string }[];
    variables: { name: string; expression: string }[];
    validations: { expression: string; message: string }[];
  };
  const compiled = {
    conditions: spec.matchConditions.map((c) => parseCel(c.expression)),
    variables: spec.variables.map((v) => ({ name: v.name, node: parseCel(v.expression) })),
    validations: spec.validations.map((v) => ({ node: parseCel(v.expression), message: v.message })),
  };
  return (req, id) => {
    const resource = req.subresource ? `${req.resource}/${req.subresource}` : req.resource;
    const matches = spec.matchConstraints.resourceRules.some(
      (r) => r.apiGroups.includes(req.group) && r.operations.includes(req.operation) && r.resources.includes(resource),
    );
    if (!matches) return undefined;
    const variables: Record<string, unknown> = {};
    const env = {
      request: {
        userInfo: { username: id.username, extra: id.node ? { 'authentication.kubernetes.io/node-name': [id.node] } : {} },
        operation: req.operation,
        resource: { group: req.group, version: req.version, resource: req.resource },
        subResource: req.subresource ?? '',
        name: req.name,
        namespace: req.namespace ?? '',
      },
      object: req.object ?? null,
      oldObject: req.oldObject ?? null,
      variables,
    };
    if (!compiled.conditions.every((c) => evaluate(c, env) === true)) return undefined;
    // Variables are lazy in Kubernetes: an error counts only where the variable is used.
    for (const v of compiled.variables) {
      try {
        variables[v.name] = evaluate(v.node, env);
      } catch (err) {
        Object.defineProperty(variables, v.name, { enumerable: true, get: () => { throw err; } });
      }
    }
    for (const v of compiled.validations) {
      let ok: unknown;
      try {
        ok = evaluate(v.node, env);
      } catch (err) {
        return { allowed: false, message: `policy error (failurePolicy Fail): ${(err as Error).message}` };
      }
      if (ok !== true) return { allowed: false, message: `ValidatingAdmissionPolicy '${vap.metadata.name}' denied request: ${v.message}` };
    }
    return undefined;
  };
}
