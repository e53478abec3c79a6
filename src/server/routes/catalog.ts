// GET /api/catalog: what the editors complete: the flow log fields (Insights, column and AWS names), system
// fields, Logs Insights commands and functions, and the named query library.

import type { FastifyInstance } from 'fastify';
import { COMMANDS, FUNCTIONS, LIBRARY, SYSTEM_FIELDS } from '../../insights/index.js';
import { FIELDS } from '../../records/catalog.js';
import type { CatalogResponse } from '../api-contract.js';
import { responses } from '../schemas.js';

const str = { type: 'string' } as const;
const strings = { type: 'array', items: str } as const;
const list = (props: string[]) => ({
  type: 'array',
  items: {
    type: 'object',
    required: props,
    properties: Object.fromEntries(props.map((p) => [p, str])),
  },
});

/** The catalog never changes while the process runs. */
const CATALOG: CatalogResponse = {
  fields: FIELDS.map((f) => ({
    insights: f.insights,
    column: f.column,
    aws: f.aws,
    type: f.type,
    description: f.description,
  })),
  systemFields: SYSTEM_FIELDS,
  commands: COMMANDS,
  functions: FUNCTIONS.map((f) => ({
    name: f.name,
    kind: f.kind,
    description: f.description,
    example: f.example,
  })),
  library: LIBRARY.map((q) => ({ name: q.name, title: q.title, query: q.query })),
};

export function catalogRoutes(app: FastifyInstance): void {
  app.get(
    '/catalog',
    {
      schema: {
        summary: 'Fields, Insights commands and functions, and the query library (for editor completion)',
        tags: ['catalog'],
        response: responses(
          {
            type: 'object',
            required: ['fields', 'systemFields', 'commands', 'functions', 'library'],
            properties: {
              fields: list(['insights', 'column', 'aws', 'type', 'description']),
              systemFields: strings,
              commands: strings,
              functions: list(['name', 'kind', 'description', 'example']),
              library: list(['name', 'title', 'query']),
            },
          },
          [401, 500],
        ),
      },
    },
    async () => CATALOG,
  );
}
