import { type TSchema, Type } from 'typebox';

export const ErrorEnvelope = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable, machine-readable error code' }),
      message: Type.String(),
      requestId: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { $id: 'ErrorEnvelope', title: 'Error' },
);

/** Every list answers `{items, nextCursor}`; pass nextCursor back as `cursor` for the next page. */
export function ListOf<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

export const ListQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
};

/** Kubernetes-style names: what clusters and applications are addressed by in URLs. */
export const ResourceName = Type.String({
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
  minLength: 1,
  maxLength: 63,
  description: 'lowercase letters, digits and dashes (DNS-1123 label)',
});

export const NameParams = Type.Object({ name: ResourceName });

/** Error responses every authenticated route may give. */
export const errorResponses = {
  400: ErrorEnvelope,
  401: ErrorEnvelope,
  404: ErrorEnvelope,
  409: ErrorEnvelope,
  503: ErrorEnvelope,
};
