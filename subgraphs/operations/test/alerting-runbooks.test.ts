import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALERT_RULE_IDS, ALERT_RULES } from '../src/modules/alerts/alert-rules';
import { INHIBITION_RULES } from '../src/modules/alerts/inhibition';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('runbooks', () => {
  it('exist for every alert rule, at the path its alerts link, and are listed in the runbooks index', () => {
    const index = readFileSync(resolve(repo, 'docs/runbooks/README.md'), 'utf8');
    for (const id of ALERT_RULE_IDS) {
      const path = ALERT_RULES[id].runbook;
      expect(path).toBe(`docs/runbooks/alert-${id}.md`);
      expect(existsSync(resolve(repo, path)), path).toBe(true);
      const page = readFileSync(resolve(repo, path), 'utf8');
      expect(page).toContain(`Rule \`${id}\``);
      expect(page).toContain('## Silence it');
      expect(index).toContain(`(alert-${id}.md)`);
    }
  });

  it('inhibitions name known rules and labels their targets group by', () => {
    for (const r of INHIBITION_RULES) {
      expect(ALERT_RULE_IDS).toContain(r.source);
      for (const target of r.targets) {
        expect(ALERT_RULE_IDS).toContain(target);
        for (const label of r.equal) expect(ALERT_RULES[target].groupBy).toContain(label);
      }
    }
  });
});
