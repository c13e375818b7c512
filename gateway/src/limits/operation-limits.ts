import { type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { ForbiddenError } from '@ecp/errors/errors';
import { toGraphQLError } from '@ecp/errors/graphql-errors';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { RequestHandler } from 'express';
import {
  type DocumentNode,
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  type ValidationRule,
  visit,
} from 'graphql';
import type { GatewayContext } from '../context';
import { type CostModel, operationCost } from './operation-cost';
import type { CostRateLimiter } from './rate-limiter';

/** The limits every operation must keep to before the gateway plans it or asks any subgraph. */
export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxCost: number;
  /** Say which limit and its value in refusals (development); otherwise only which kind of limit. */
  exposeLimits: boolean;
  /** Keep graphql-js's "Did you mean …?" in messages (development only: it maps the schema out). */
  showSuggestions: boolean;
  /** Introspection for people (analysts, operators, admins) only, never for agents. */
  introspectionForPeopleOnly: boolean;
  cost: CostModel;
}

/** Armor's refusal as a validation error, without the "Syntax Error: " it puts before a message that is none. */
function rejectAsValidationError(
  context: { reportError(error: GraphQLError): void } | null,
  error: GraphQLError,
) {
  context?.reportError(
    new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { nodes: error.nodes }),
  );
}

/**
 * GraphQL Armor's depth, alias and directive rules, tuned for this schema; reported as validation
 * errors (400 GRAPHQL_VALIDATION_FAILED), so they run before planning and are cached with the document.
 */
export function limitValidationRules(limits: OperationLimits): ValidationRule[] {
  const common = {
    exposeLimits: limits.exposeLimits,
    propagateOnRejection: false,
    onReject: [rejectAsValidationError],
  };
  return [
    maxDepthRule({
      n: limits.maxDepth,
      ignoreIntrospection: true,
      ...common,
      errorMessage: 'Query is nested too deeply.',
    }),
    maxAliasesRule({ n: limits.maxAliases, ...common, errorMessage: 'Query has too many aliases.' }),
    maxDirectivesRule({ n: limits.maxDirectives, ...common, errorMessage: 'Query has too many directives.' }),
  ];
}

/**
 * Refuses a document of more than `maxTokens` lexical tokens before it is parsed (Apollo Server
 * offers no hook to swap its parser, so this runs in front of it). A document no longer than the
 * limit in characters cannot exceed it and is not lexed at all.
 */
export function tokenLimit(limits: Pick<OperationLimits, 'maxTokens' | 'exposeLimits'>): RequestHandler {
  return (req, res, next) => {
    const query = (req.body as { query?: unknown } | undefined)?.query ?? req.query?.query;
    if (typeof query !== 'string' || query.length <= limits.maxTokens) return next();
    if (countTokens(query, limits.maxTokens) <= limits.maxTokens) return next();
    const message = limits.exposeLimits
      ? `Syntax Error: Token limit of ${limits.maxTokens} exceeded.`
      : 'Query has too many tokens.';
    res.status(400).json({ errors: [{ message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
  };
}

/** Tokens in `query`, counting stops one past `limit`; a lexing error stops the count (the parser reports it). */
export function countTokens(query: string, limit: number): number {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) {
      count += 1;
      if (count > limit) break;
    }
  } catch {
    // A syntax error: the parser says so with its position.
  }
  return count;
}

/**
 * After the operation is known, with its variables: refuses introspection by agents where people
 * only may introspect, prices the operation, refuses it over the cost budget, and charges the cost to
 * the caller's rate limit (RATE_LIMITED with `Retry-After` past it; `RateLimit` headers on every answer).
 */
export function operationLimitsPlugin(
  limits: OperationLimits,
  rateLimiter: CostRateLimiter | undefined,
): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, contextValue, response }) {
          if (!operation) return;
          const { principal } = contextValue;
          if (limits.introspectionForPeopleOnly && isIntrospection(document)) {
            const person = principal.roles.some((r) => r === 'ANALYST' || r === 'OPERATOR' || r === 'ADMIN');
            if (!person) {
              throw toGraphQLError(
                new ForbiddenError(
                  'Introspection is open to people (analysts, operators, admins) only here.',
                ),
              );
            }
          }
          const cost = operationCost(document, operation, request.variables ?? {}, limits.cost);
          if (cost > limits.maxCost) {
            throw new GraphQLError(
              limits.exposeLimits
                ? `Query cost ${cost} exceeds the limit of ${limits.maxCost}; ask for smaller pages.`
                : 'Query is too expensive; ask for smaller pages.',
              { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } } },
            );
          }
          if (!rateLimiter) return;
          const charge = await rateLimiter.charge(principal.id, cost);
          for (const [name, value] of Object.entries(charge.headers)) response.http.headers.set(name, value);
          if (!charge.allowed) {
            throw new GraphQLError(
              `Rate limit reached: this caller may spend ${rateLimiter.budget} cost points per ${rateLimiter.windowSeconds} s. Retry in ${charge.retryAfterSeconds} s.`,
              {
                extensions: {
                  code: 'RATE_LIMITED',
                  retryAfterSeconds: charge.retryAfterSeconds,
                  http: { status: 429, headers: new HeaderMap(Object.entries(charge.headers)) },
                },
              },
            );
          }
        },
      };
    },
  };
}

/** Any `__schema` or `__type` field anywhere in the document (`__typename` is not introspection). */
export function isIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    [Kind.FIELD]: (node) => {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return false;
      }
      return undefined;
    },
  });
  return found;
}

const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/** graphql-js's suggestions ("Did you mean …?") taken out of a message, where they would map the schema out. */
export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '').trim();
}
