import { SUBSCRIPTION_ALLOWED, servedByGateway } from '@ecp/service-kit/subscription-fields';
import { builder } from '../../builder';
import type { LessonVersion } from './lesson.entities';
import type { LessonOption } from './lesson.service';
import { lessonVersionId } from './lesson-store';
import type { RankedOption, Recommendation } from './recommendation';

const RankedOptionRef = builder.objectRef<RankedOption>('RankedOption').implement({
  description: 'One option of a recommendation, with what its expected success rests on.',
  fields: (t) => ({
    option: t.exposeString('option', { description: 'The option id.' }),
    expectedSuccess: t.exposeFloat('expectedSuccess', {
      description: 'The posterior mean of its success, α/(α + β).',
    }),
    interval: t.exposeFloatList('interval', {
      description: 'The 95% equal-tailed credible interval of its success: the 2.5% and 97.5% quantiles.',
    }),
    effectiveSamples: t.exposeFloat('effectiveSamples', {
      description:
        'α + β of the posterior: the prior’s pseudo-observations plus the weighted reports behind it.',
    }),
    priorFrom: t.exposeString('priorFrom', {
      nullable: true,
      description:
        'The nearest jurisdiction above whose data reached the prior, or `uniform` when none holds data for it.',
    }),
  }),
});

const RecommendationRef = builder.objectRef<Recommendation>('Recommendation').implement({
  description: 'Options ranked by expected success, best first, from the lessons on a jurisdiction’s path.',
  fields: (t) => ({
    lessonVersion: t.exposeString('lessonVersion', {
      description:
        'Names exactly the lesson versions this answer came from: ask again with `atVersion` to get the same answer.',
    }),
    jurisdiction: t.exposeString('jurisdiction', { description: 'As asked.' }),
    category: t.exposeString('category', { description: 'As asked.' }),
    options: t.field({
      type: [RankedOptionRef],
      description: 'Every option asked, best first (ties in the order asked).',
      resolve: (r) => r.options,
    }),
  }),
});

const LessonOptionRef = builder.objectRef<LessonOption>('LessonOption').implement({
  description: 'What a lesson version holds for one option, and its posterior.',
  fields: (t) => ({
    option: t.exposeString('option', { description: 'The option id.' }),
    successes: t.exposeFloat('successes', { description: 'Σ w·s over the reports counted here.' }),
    failures: t.exposeFloat('failures', { description: 'Σ w·(1 − s) over the reports counted here.' }),
    alpha: t.exposeFloat('alpha', { description: 'α of the posterior (prior + successes).' }),
    beta: t.exposeFloat('beta', { description: 'β of the posterior (prior + failures).' }),
    mean: t.exposeFloat('mean', { description: 'α/(α + β).' }),
    interval: t.exposeFloatList('interval', { description: 'The 95% equal-tailed credible interval.' }),
    effectiveSamples: t.exposeFloat('effectiveSamples', { description: 'α + β.' }),
  }),
});

export const LessonRef = builder.objectRef<LessonVersion>('Lesson').implement({
  description:
    'One version of what the consortium learned in a jurisdiction about a category: per option, the weighted outcomes and their Beta posterior. Never edited; a rollback is a new version.',
  fields: (t) => ({
    id: t.id({ description: '`<category>:<jurisdiction>@<version>`.', resolve: (l) => lessonVersionId(l) }),
    jurisdiction: t.exposeString('jurisdiction', { description: 'Where it was learned.' }),
    category: t.exposeString('category', { description: 'The decision category.' }),
    version: t.exposeInt('version', { description: 'From 1.' }),
    cause: t.exposeString('cause', { description: '`REPORT` (an outcome applied) or `ROLLBACK`.' }),
    causeId: t.exposeString('causeId', {
      description: 'The report applied, or the version rolled back to.',
    }),
    options: t.field({
      type: [LessonOptionRef],
      description: 'Each option it holds data for, by id.',
      resolve: (l, _args, ctx) => ctx.lessons.optionsOf(l),
    }),
    updatedAt: t.field({
      type: 'DateTime',
      description: 'When this version was made.',
      resolve: (l) => l.createdAt,
    }),
  }),
});

builder.asEntity(LessonRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: ({ id }, ctx) => ctx.lessons.findForReference(id),
});

const LessonFilterRef = builder.inputType('LessonFilter', {
  description: 'Which lessons’ updates to stream (each field, when given, must match exactly).',
  fields: (t) => ({
    jurisdiction: t.string({ required: false, description: 'e.g. `EU/DE`.' }),
    category: t.string({ required: false, description: 'e.g. `payments`.' }),
  }),
});

builder.queryFields((t) => ({
  recommendation: t.field({
    type: RecommendationRef,
    description:
      'The options ranked by expected success in a jurisdiction and category (LSP v0.1 lesson query). With `atVersion`, exactly the answer that version gave; an unknown version is NOT_FOUND.',
    args: {
      jurisdiction: t.arg.string({ required: true, description: 'e.g. `EU/DE/BY`.' }),
      category: t.arg.string({ required: true, description: 'The decision category.' }),
      options: t.arg.stringList({ required: true, description: 'The option ids (1 to 64).' }),
      atVersion: t.arg.string({ required: false, description: 'A `Recommendation.lessonVersion`.' }),
    },
    resolve: (_root, args, ctx) => ctx.lessons.recommendation(args),
  }),
  lesson: t.field({
    type: LessonRef,
    nullable: true,
    description: 'A lesson at a version (the newest without one); null when there is none.',
    args: {
      jurisdiction: t.arg.string({ required: true }),
      category: t.arg.string({ required: true }),
      version: t.arg.int({ required: false }),
    },
    resolve: (_root, { jurisdiction, category, version }, ctx) =>
      ctx.lessons.lesson(jurisdiction, category, version),
  }),
  lessonHistory: t.field({
    type: [LessonRef],
    description: 'A lesson’s versions, newest first (at most 100).',
    args: { jurisdiction: t.arg.string({ required: true }), category: t.arg.string({ required: true }) },
    resolve: (_root, { jurisdiction, category }, ctx) => ctx.lessons.history(jurisdiction, category),
  }),
}));

builder.mutationFields((t) => ({
  rollbackLesson: t.field({
    type: LessonRef,
    description:
      'Makes a new version of a lesson equal to an earlier one (OPERATOR or ADMIN); nothing is edited.',
    args: {
      jurisdiction: t.arg.string({ required: true }),
      category: t.arg.string({ required: true }),
      toVersion: t.arg.int({ required: true }),
    },
    resolve: (_root, { jurisdiction, category, toVersion }, ctx) =>
      ctx.lessons.rollback(jurisdiction, category, toVersion),
  }),
}));

builder.subscriptionFields((t) => ({
  lessonUpdated: t.field({
    type: LessonRef,
    description: 'Each new lesson version (a report applied, or a rollback), as `lesson` reads it.',
    args: { filter: t.arg({ type: LessonFilterRef, required: false, description: 'Conditions to match.' }) },
    directives: { topic: { name: 'lessonUpdated' } },
    subscribe: servedByGateway,
    // Lessons are for every authenticated caller, as `lesson` and `recommendation` serve them.
    resolve: () => SUBSCRIPTION_ALLOWED,
  }),
}));
