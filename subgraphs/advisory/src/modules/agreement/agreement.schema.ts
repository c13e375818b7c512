import { builder } from '../../builder';
import type { Agreement } from './agreement.service';

const AgreementRef = builder.objectRef<Agreement>('Agreement').implement({
  description:
    'Agreement among voters across polls, each poll a unit and each vote a rater’s value (docs/scoring.md).',
  fields: (t) => ({
    krippendorffAlpha: t.float({
      nullable: true,
      description:
        'Krippendorff’s alpha, nominal, with missing votes allowed; null with a reason when undefined.',
      resolve: (a) => a.krippendorffAlpha,
    }),
    krippendorffAlphaUnavailableReason: t.string({
      nullable: true,
      description: 'Why alpha is null.',
      resolve: (a) => a.krippendorffAlphaUnavailableReason,
    }),
    fleissKappa: t.float({
      nullable: true,
      description: 'Fleiss’ kappa, when every poll had the same number of votes over the same options.',
      resolve: (a) => a.fleissKappa,
    }),
    fleissKappaUnavailableReason: t.string({
      nullable: true,
      description: 'Why kappa is null.',
      resolve: (a) => a.fleissKappaUnavailableReason,
    }),
    polls: t.exposeInt('polls', { description: 'Polls counted.' }),
    voters: t.exposeInt('voters', { description: 'Distinct agents that voted in them.' }),
    pairableVotes: t.exposeInt('pairableVotes', {
      description: 'Votes in polls with at least two votes (alpha’s n).',
    }),
  }),
});

builder.queryFields((t) => ({
  agreement: t.field({
    type: AgreementRef,
    description:
      'Agreement over the votes cast in these polls (1–500; open ones only for their opener and people).',
    args: { pollIds: t.arg.idList({ required: true }) },
    resolve: (_root, { pollIds }, ctx) => ctx.agreement.across(pollIds.map(String)),
  }),
}));
