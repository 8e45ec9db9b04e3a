// A throwaway CRD for the test server's own tests: Widget (test.example.com/v1), namespaced, with a
// status subresource, a selectable field, printer columns, defaults, enums and CEL rules
// (including a transition rule and one the evaluator does not support).
import { raw, startTestApiServer, type RawTarget, type TestApiServer, type TestApiServerOptions } from '../../kubeapi/index.js';

export const WIDGETS = '/apis/test.example.com/v1/namespaces/default/widgets';

export function widgetCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.test.example.com' },
    spec: {
      group: 'test.example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wg'], categories: ['all'] },
      versions: [{
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        selectableFields: [{ jsonPath: '.spec.nodeName' }],
        additionalPrinterColumns: [
          { name: 'Node', type: 'string', jsonPath: '.spec.nodeName' },
          { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
          { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['nodeName'],
                'x-kubernetes-validations': [
                  { rule: '!has(self.maxSize) || self.maxSize >= self.size', message: 'maxSize must be >= size', fieldPath: '.maxSize' },
                  { rule: "!has(self.color) || self.color != 'blue' || self.size <= 5", messageExpression: "'blue widgets are at most 5, got ' + string(self.size)" },
                  { rule: "!has(self.amount) || quantity(self.amount).isGreaterThan(quantity('0'))", message: 'amount must be positive' },
                ],
                properties: {
                  nodeName: { type: 'string', minLength: 1, 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'nodeName is immutable' }] },
                  size: { type: 'integer', minimum: 0, default: 1 },
                  maxSize: { type: 'integer' },
                  color: { type: 'string', enum: ['red', 'blue'] },
                  amount: { type: 'string' },
                  tags: { type: 'array', items: { type: 'string', maxLength: 8 } },
                },
              },
              status: {
                type: 'object',
                properties: {
                  observedGeneration: { type: 'integer' },
                  conditions: {
                    type: 'array',
                    'x-kubernetes-list-type': 'map',
                    'x-kubernetes-list-map-keys': ['type'],
                    items: {
                      type: 'object',
                      required: ['type', 'status'],
                      properties: {
                        type: { type: 'string' }, status: { type: 'string' }, reason: { type: 'string' }, message: { type: 'string' },
                        lastTransitionTime: { type: 'string', format: 'date-time' }, observedGeneration: { type: 'integer' },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      }],
    },
  };
}

export function widget(name: string, spec: Record<string, unknown> = { nodeName: 'node-a' }, labels?: Record<string, string>): Record<string, unknown> {
  return { apiVersion: 'test.example.com/v1', kind: 'Widget', metadata: { name, ...(labels ? { labels } : {}) }, spec };
}

export interface Harness {
  server: TestApiServer;
  admin: RawTarget;
}

/** A server with the Widget CRD installed and established. */
export async function withWidgets(opts: TestApiServerOptions = {}): Promise<Harness> {
  const server = await startTestApiServer(opts);
  const admin = server.rawTarget();
  const r = await raw(admin, { method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: widgetCrd() });
  if (r.code !== 201) throw new Error(`CRD create: ${r.code} ${JSON.stringify(r.body)}`);
  await until(async () => {
    const crd = await raw(admin, { path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.test.example.com' });
    return crd.body?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True') === true;
  });
  return { server, admin };
}

export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
