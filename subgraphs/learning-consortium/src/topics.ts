import { defineTopic } from '@ecp/events/topic';
import lessonUpdated from '@ecp/schema/events/lessonUpdated.v1.schema.json' with { type: 'json' };
import outcomeReported from '@ecp/schema/events/outcomeReported.v1.schema.json' with { type: 'json' };

/** An outcome report was recorded in the ledger and stored: the lessons consumer applies it. */
export const OUTCOME_REPORTED = defineTopic(outcomeReported);

/** A lesson has a new version (a report applied, or a rollback). */
export const LESSON_UPDATED = defineTopic(lessonUpdated);

/** Every topic the learning consortium publishes. */
export const LEARNING_TOPICS = [OUTCOME_REPORTED, LESSON_UPDATED];
