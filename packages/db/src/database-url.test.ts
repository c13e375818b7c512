import { describe, expect, it } from 'vitest';
import { databaseName, quoteIdent, redactUrl, withDatabase } from './database-url';

describe('database urls', () => {
  it('reads and replaces the database name', () => {
    expect(databaseName('postgres://u:p@h:5432/ecp')).toBe('ecp');
    expect(databaseName('postgres://u@h:5432')).toBe('postgres');
    expect(withDatabase('postgres://u:p@h:5432/ecp?sslmode=disable', 'other')).toBe(
      'postgres://u:p@h:5432/other?sslmode=disable',
    );
  });
  it('redacts passwords and quotes identifiers', () => {
    expect(redactUrl('postgres://u:secret@h/db')).toBe('postgres://u:***@h/db');
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
  });
});
