import { v7, validate, version } from 'uuid';

/** New row ids are UUIDv7: unique without coordination and ordered by creation, which keeps indexes compact. */
export function newId(): string {
  return v7();
}

/** True for a syntactically valid UUID of any version (ids from before v7 stay valid). */
export function isUuid(value: string): boolean {
  return validate(value) && version(value) >= 1;
}
