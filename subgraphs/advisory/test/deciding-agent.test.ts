import type { Principal } from '@ecp/identity/principal';
import { actingFor, servicePrincipal } from '@ecp/identity/principal';
import { describe, expect, it } from 'vitest';
import { decidingAgent } from '../src/modules/friction/friction.service';

const agent: Principal = { kind: 'agent', id: 'a1', name: 'bot', roles: ['AGENT'], jurisdictions: ['EU'] };
const person: Principal = { kind: 'agent', id: 'p1', name: 'op', roles: ['OPERATOR'], jurisdictions: [] };

/** Whom a friction assessment is for: the agent itself, or the agent the ledger's firewall acts for. */
describe('decidingAgent', () => {
  it('is the calling agent, and nobody for a person without AGENT', () => {
    expect(decidingAgent(agent)).toBe(agent);
    expect(decidingAgent(person)).toBeNull();
  });

  it('is the agent the ledger acts for, with its own id, roles and jurisdictions', () => {
    const ledger = actingFor(servicePrincipal('ledger'), agent);
    expect(decidingAgent(ledger)).toEqual({ ...agent, kind: 'agent' });
  });

  it('is nobody for another service, the ledger acting for no one, or for a person', () => {
    expect(decidingAgent(actingFor(servicePrincipal('operations'), agent))).toBeNull();
    expect(decidingAgent(servicePrincipal('ledger'))).toBeNull();
    expect(decidingAgent(actingFor(servicePrincipal('ledger'), person))).toBeNull();
  });
});
