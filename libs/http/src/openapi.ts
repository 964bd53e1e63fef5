import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { z } from 'zod';
import type { Scope } from '@sentinel/config';

/** A JSON Schema object, as OpenAPI 3.1 takes it. */
export type JsonSchema = Record<string, unknown>;

/** A response that is not one zod schema of JSON: a description and a schema per content type. */
export interface OpenApiResponse {
  description: string;
  /** Content type to its schema: a zod schema (converted with `io: 'output'`) or a JSON Schema as is. */
  content?: Record<string, z.ZodType | JsonSchema>;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
}

/** A request body: a zod schema of JSON, or a schema per content type. */
export interface OpenApiBody {
  description?: string;
  required?: boolean;
  content: Record<string, z.ZodType | JsonSchema>;
}

/**
 * What a route declares about itself, next to its handler, with the same zod schemas it validates with.
 * Problem statuses the core always answers (401/403 on keyed routes, 400 on routes that parse input,
 * 413/415 on routes with a body) are added for it; `problems` lists the other ones the handler throws.
 */
export interface RouteDoc {
  summary: string;
  description?: string;
  tags?: string[];
  /** An object schema of the query string; each property becomes a parameter. */
  query?: z.ZodType;
  /** An object schema of the path parameters. */
  params?: z.ZodType;
  body?: z.ZodType | OpenApiBody;
  /** Status to a zod schema of its JSON answer, or a full description. */
  responses: Record<number, z.ZodType | OpenApiResponse>;
  /** Further problem+json answers, e.g. 404, 409, 429, 503. */
  problems?: number[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route's entry in /openapi.json. */
    openapi?: RouteDoc;
  }
}

export const FieldIssueSchema = z.object({ field: z.string(), reason: z.string() });

/** RFC 9457 problem details, as every error answer of every route is sent (libs/http/src/problem.ts). */
export const ProblemSchema = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(FieldIssueSchema).optional(),
  })
  .meta({ description: 'RFC 9457 problem details' });

const PROBLEM_TEXT: Record<number, string> = {
  400: 'Invalid input; `errors` names each failing field',
  401: 'No API key, or an unknown one',
  403: "The key lacks the route's scope",
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'The body is too large',
  415: 'Unsupported content type or encoding',
  429: 'Over the rate limit',
  503: 'A dependency is unavailable; retry later',
};

interface CollectedRoute {
  method: string;
  url: string;
  /** null: public; 'any': any known key, whatever its scopes. */
  scope: Scope | 'any' | null;
  hasBody: boolean;
  doc: RouteDoc | undefined;
}

/** Routes collected by the onRoute hook; one per fastify instance. */
export class OpenApiRegistry {
  readonly routes: CollectedRoute[] = [];

  constructor(readonly info: { title: string; version: string; description?: string }) {}

  add(route: RouteOptions): void {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const config = route.config as { public?: boolean; anyScope?: boolean; scope?: Scope; openapi?: RouteDoc } | undefined;
    for (const method of methods) {
      // Fastify adds a HEAD route for every GET; it is the GET without a body, so the GET documents it.
      if (method === 'HEAD' && route.exposeHeadRoute !== false && this.routes.some((r) => r.method === 'GET' && r.url === route.url)) continue;
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      this.routes.push({
        method: method.toLowerCase(),
        url: route.url,
        scope: config?.public ? null : config?.anyScope ? 'any' : (config?.scope ?? 'admin'),
        hasBody: ['POST', 'PUT', 'PATCH'].includes(method),
        doc: config?.openapi,
      });
    }
  }

  /** The OpenAPI 3.1 document of the routes registered so far. */
  document(serverUrl?: string): JsonSchema {
    const components: Record<string, JsonSchema> = { Problem: convert(ProblemSchema, 'output', {}) };
    const paths: Record<string, Record<string, unknown>> = {};
    for (const route of this.routes) {
      const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      (paths[path] ??= {})[route.method] = operation(route, components);
    }
    return {
      openapi: '3.1.0',
      info: this.info,
      ...(serverUrl && { servers: [{ url: serverUrl }] }),
      security: [{ bearer: [] }],
      paths,
      components: {
        schemas: components,
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key from config `auth.keys`; each route names the scope it needs in `x-scope` (a key with `admin` may call every route).' } },
      },
    };
  }
}

function operation(route: CollectedRoute, defs: Record<string, JsonSchema>): JsonSchema {
  const doc = route.doc;
  const parameters: JsonSchema[] = [];
  const pathNames = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  const params = doc?.params ? objectProperties(doc.params, defs) : { properties: {}, required: [] };
  for (const name of pathNames) parameters.push({ name, in: 'path', required: true, schema: params.properties[name] ?? { type: 'string' } });
  if (doc?.query) {
    const q = objectProperties(doc.query, defs);
    for (const [name, schema] of Object.entries(q.properties)) {
      parameters.push({ name, in: 'query', required: q.required.includes(name), ...(typeof schema.description === 'string' && { description: schema.description }), schema });
    }
  }

  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(doc?.responses ?? { 200: { description: 'OK' } })) responses[status] = response(r, defs);
  const problems = new Set(doc?.problems ?? []);
  if (route.scope) (route.scope === 'any' ? [401] : [401, 403]).forEach((s) => problems.add(s));
  if (doc?.query || doc?.params || route.hasBody) problems.add(400);
  if (route.hasBody) [413, 415].forEach((s) => problems.add(s));
  for (const status of [...problems].sort((a, b) => a - b)) {
    responses[String(status)] ??= { description: PROBLEM_TEXT[status] ?? 'Error', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
  }

  const scopeText = route.scope === 'any' ? 'Needs a known key, whatever its scopes.' : route.scope ? `Needs a key with the \`${route.scope}\` scope${route.scope === 'admin' ? '' : ' (or `admin`)'}.` : 'Public: no key needed.';
  return {
    operationId: `${route.method}${route.url.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    summary: doc?.summary ?? `${route.method.toUpperCase()} ${route.url}`,
    description: [doc?.description, scopeText].filter(Boolean).join('\n\n'),
    ...(doc?.tags && { tags: doc.tags }),
    'x-scope': route.scope ?? 'public',
    security: route.scope ? [{ bearer: [] }] : [],
    ...(parameters.length > 0 && { parameters }),
    ...(doc?.body && { requestBody: requestBody(doc.body, defs) }),
    responses,
  };
}

function requestBody(body: z.ZodType | OpenApiBody, defs: Record<string, JsonSchema>): JsonSchema {
  if (body instanceof z.ZodType) return { required: true, content: { 'application/json': { schema: convert(body, 'input', defs) } } };
  return {
    required: body.required ?? true,
    ...(body.description && { description: body.description }),
    content: Object.fromEntries(Object.entries(body.content).map(([type, s]) => [type, { schema: s instanceof z.ZodType ? convert(s, 'input', defs) : s }])),
  };
}

function response(r: z.ZodType | OpenApiResponse, defs: Record<string, JsonSchema>): JsonSchema {
  if (r instanceof z.ZodType) return { description: r.description ?? 'OK', content: { 'application/json': { schema: convert(r, 'output', defs) } } };
  return {
    description: r.description,
    ...(r.headers && { headers: r.headers }),
    ...(r.content && { content: Object.fromEntries(Object.entries(r.content).map(([type, s]) => [type, { schema: s instanceof z.ZodType ? convert(s, 'output', defs) : s }])) }),
  };
}

function objectProperties(schema: z.ZodType, defs: Record<string, JsonSchema>): { properties: Record<string, JsonSchema>; required: string[] } {
  const json = convert(schema, 'input', defs);
  return { properties: (json.properties ?? {}) as Record<string, JsonSchema>, required: (json.required ?? []) as string[] };
}

/**
 * zod 4 to JSON Schema 2020-12 (OpenAPI 3.1's dialect). Transforms and refinements have no JSON Schema:
 * their input side is the type before the transform, their output side is `{}` (anything). `$defs` (schemas
 * with an id in zod's registry) are moved to components.schemas so that the refs resolve in the document.
 */
function convert(schema: z.ZodType, io: 'input' | 'output', defs: Record<string, JsonSchema>): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  const local = json.$defs as Record<string, JsonSchema> | undefined;
  delete json.$defs;
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/') ? `#/components/schemas/${v.slice(8)}` : rewrite(v);
    return out;
  };
  for (const [name, def] of Object.entries(local ?? {})) defs[name] ??= rewrite(def) as JsonSchema;
  return rewrite(json) as JsonSchema;
}

/**
 * Collects every route registered after it (so call it before the app's plugins) and serves the document at
 * GET /openapi.json, public, with `servers` set to the address the caller used.
 */
export function registerOpenApi(app: FastifyInstance, info: OpenApiRegistry['info']): OpenApiRegistry {
  const registry = new OpenApiRegistry(info);
  app.addHook('onRoute', (route) => registry.add(route));
  let cached: JsonSchema | null = null;
  let cachedRoutes = -1;
  app.get(
    '/openapi.json',
    {
      config: {
        public: true,
        openapi: {
          summary: 'This OpenAPI 3.1 document',
          tags: ['meta'],
          responses: { 200: { description: 'The OpenAPI document of the routes this process serves', content: { 'application/json': { type: 'object' } } } },
        },
      },
    },
    async (request: FastifyRequest) => {
      if (cachedRoutes !== registry.routes.length) {
        cached = registry.document();
        cachedRoutes = registry.routes.length;
      }
      return { ...cached, servers: [{ url: `${request.protocol}://${request.host}` }] };
    },
  );
  return registry;
}
