import { builder } from '../../builder';
import type { JurisdictionVersion } from './jurisdiction.entity';
import type { ApprovalRule, JurisdictionPolicy } from './jurisdiction-policy';

export const ApprovalRuleRef = builder.objectRef<ApprovalRule>('ApprovalRule').implement({
  description: 'How many distinct people must approve a held decision of a category.',
  fields: (t) => ({
    category: t.exposeString('category', { description: 'The decision category.' }),
    approvers: t.exposeInt('approvers', { description: 'Distinct approvers needed, 1..10.' }),
  }),
});

export const JurisdictionPolicyRef = builder.objectRef<JurisdictionPolicy>('JurisdictionPolicy').implement({
  description:
    'The settings in force for a jurisdiction code, defined or not: each from the code itself when set, else from the nearest defined jurisdiction above it, else the platform default.',
  fields: (t) => ({
    code: t.exposeString('code', { description: 'The code asked about.' }),
    definedAt: t.exposeString('definedAt', {
      nullable: true,
      description: 'The nearest defined jurisdiction on the path, the code itself included; null if none.',
    }),
    version: t.exposeString('version', {
      description:
        'Names every definition version on the path and the platform defaults: it changes whenever a setting on the path does (a cache key).',
    }),
    riskWeight: t.exposeFloat('riskWeight', { description: 'The jurisdiction’s risk, in [0, 1].' }),
    riskWeightFrom: t.exposeString('riskWeightFrom', {
      nullable: true,
      description:
        'The jurisdiction on the path whose definition set the risk weight; null: the platform default.',
    }),
    frictionThreshold: t.exposeFloat('frictionThreshold', {
      description: 'A decision whose friction score is above it is held for approval; in (0, 1].',
    }),
    divergenceThreshold: t.exposeFloat('divergenceThreshold', {
      description: 'A decision whose divergence from a cited closed poll is above it is held; in (0, 1].',
    }),
    categoriesRequiringApproval: t.exposeStringList('categoriesRequiringApproval', {
      description: 'Categories whose decisions are always held for a person.',
    }),
    approvalRules: t.field({
      type: [ApprovalRuleRef],
      description: 'Approvers needed per category; a category not listed needs one.',
      resolve: (p) => p.approvalRules,
    }),
  }),
});

export const JurisdictionRef = builder.objectRef<JurisdictionVersion>('Jurisdiction');

JurisdictionRef.implement({
  description:
    'A jurisdiction defined in the LSP tree, as its current version says. Redefining makes a new version; earlier ones are kept.',
  fields: (t) => ({
    code: t.exposeString('code', { description: 'e.g. `EU/DE`.' }),
    version: t.exposeInt('version', { description: 'Its definition’s version, from 1.' }),
    parent: t.field({
      type: JurisdictionRef,
      nullable: true,
      description: 'The jurisdiction above it; null at a root.',
      resolve: (j, _args, ctx) => (j.parent ? ctx.jurisdictions.get(j.parent) : null),
    }),
    children: t.field({
      type: [JurisdictionRef],
      description: 'The defined jurisdictions directly below it, by code.',
      resolve: (j, _args, ctx) => ctx.jurisdictions.children(j.code),
    }),
    policy: t.field({
      type: JurisdictionPolicyRef,
      description: 'Its effective settings, inherited where it sets none.',
      resolve: (j, _args, ctx) => ctx.jurisdictions.policy(j.code),
    }),
    riskWeight: t.exposeFloat('riskWeight', {
      nullable: true,
      description: 'Its own risk weight; null: inherited.',
    }),
    frictionThreshold: t.exposeFloat('frictionThreshold', {
      nullable: true,
      description: 'Its own friction threshold; null: inherited.',
    }),
    divergenceThreshold: t.exposeFloat('divergenceThreshold', {
      nullable: true,
      description: 'Its own divergence threshold; null: inherited.',
    }),
    categoriesRequiringApproval: t.stringList({
      nullable: true,
      description: 'Its own list of categories needing a person; null: inherited.',
      resolve: (j) => j.categoriesRequiringApproval ?? null,
    }),
    approvalRules: t.field({
      type: [ApprovalRuleRef],
      nullable: true,
      description: 'Its own approval rules; null: inherited.',
      resolve: (j) => j.approvalRules ?? null,
    }),
    definedBy: t.exposeString('definedBy', { description: 'Who defined this version.' }),
    definedAt: t.field({ type: 'DateTime', description: 'When.', resolve: (j) => j.definedAt }),
    history: t.field({
      type: [JurisdictionRef],
      description: 'Every version of its definition, newest first.',
      resolve: (j, _args, ctx) => ctx.jurisdictions.history(j.code),
    }),
  }),
});

const ApprovalRuleInput = builder.inputType('ApprovalRuleInput', {
  description: 'M distinct approvers (1..10) for held decisions of a category.',
  fields: (t) => ({
    category: t.string({ required: true, description: 'A decision category.' }),
    approvers: t.int({ required: true, description: '1..10.' }),
  }),
});

const DefineJurisdictionInput = builder.inputType('DefineJurisdictionInput', {
  description: 'A jurisdiction’s place in the LSP tree and the settings it sets itself (unset: inherited).',
  fields: (t) => ({
    code: t.string({ required: true, description: 'e.g. `EU/DE`.' }),
    parent: t.string({
      required: false,
      description:
        'A defined jurisdiction not below this one; omitted, the nearest defined prefix of the code (none: a root).',
    }),
    riskWeight: t.float({ required: false, description: 'In [0, 1].' }),
    frictionThreshold: t.float({ required: false, description: 'In (0, 1].' }),
    divergenceThreshold: t.float({ required: false, description: 'In (0, 1].' }),
    categoriesRequiringApproval: t.stringList({ required: false, description: 'Decision categories.' }),
    approvalRules: t.field({ type: [ApprovalRuleInput], required: false, description: 'Per category.' }),
  }),
});

builder.queryFields((t) => ({
  jurisdiction: t.field({
    type: JurisdictionRef,
    nullable: true,
    description: 'A defined jurisdiction; null when the code was never defined.',
    args: { code: t.arg.string({ required: true, description: 'e.g. `EU/DE`.' }) },
    resolve: (_root, { code }, ctx) => ctx.jurisdictions.get(code),
  }),
  jurisdictionPolicy: t.field({
    type: JurisdictionPolicyRef,
    description:
      'The effective policy for any code, defined or not: each setting from the code when set, else the nearest defined jurisdiction above it (by the tree’s parent links; for an undefined code, by cutting its last `/segment`), else the platform default.',
    args: { code: t.arg.string({ required: true, description: 'e.g. `EU/DE/BY`.' }) },
    resolve: (_root, { code }, ctx) => ctx.jurisdictions.policy(code),
  }),
}));

builder.mutationFields((t) => ({
  defineJurisdiction: t.field({
    type: JurisdictionRef,
    description:
      'Defines a jurisdiction in the LSP tree, or redefines it as a new version (OPERATOR or ADMIN).',
    args: { input: t.arg({ type: DefineJurisdictionInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.jurisdictions.define(input),
  }),
}));
