import t from 'tap';
import { enterStage, initialStage, isOverdue, isRotting, parseDealKey, stageMismatch, weightedValue } from '../../../src/features/deals/deals.rules.js';

const open = { id: 2, pipeline_id: 1, probability: 40, is_won: 0, is_lost: 0 };
const won = { id: 5, pipeline_id: 1, probability: 100, is_won: 1, is_lost: 0 };
const lost = { id: 6, pipeline_id: 1, probability: 0, is_won: 0, is_lost: 1 };

t.test('stage rules', async (t) => {
  t.same(enterStage(won, { today: '2026-11-23' }), { probability: 100, actual_close_date: '2026-11-23', lost_reason: null, lost_reason_id: null });
  t.same(enterStage(lost, { today: '2026-11-23', lostReason: '  Too pricey ', lostReasonId: 3 }), { probability: 0, actual_close_date: '2026-11-23', lost_reason: 'Too pricey', lost_reason_id: 3 });
  t.same(enterStage(open, { today: '2026-11-23', lostReason: 'ignored' }), { probability: 40, actual_close_date: null, lost_reason: null, lost_reason_id: null }, 'reopening clears');
  t.equal(enterStage(open, { today: '2026-11-23', probability: 65 }).probability, 65, 'a probability from the form wins in an open stage');
  t.equal(enterStage(won, { today: '2026-11-23', probability: 65 }).probability, 100, 'won is always 100');
});

t.test('pipeline membership and initial stage', async (t) => {
  t.equal(stageMismatch(1, open), null);
  t.match(stageMismatch(2, open), /another pipeline/);
  t.match(stageMismatch(1, undefined), /Choose a stage/);
  t.equal(initialStage([open, { ...won, is_default: 1 }])?.id, 5, 'the default stage');
  t.equal(initialStage([open, won])?.id, 2, 'else the first');
  t.equal(initialStage([]), undefined);
});

t.test('money and markers', async (t) => {
  t.equal(weightedValue(100_000, 25), 25_000);
  t.equal(weightedValue(null, 50), 0);
  t.equal(weightedValue(333, 33), 110);
  const now = Date.parse('2026-11-23T12:00:00Z');
  t.ok(isRotting('2026-11-01T00:00:00Z', { rotting_days: 7, is_won: 0, is_lost: 0 }, now));
  t.notOk(isRotting('2026-11-20T00:00:00Z', { rotting_days: 7, is_won: 0, is_lost: 0 }, now));
  t.notOk(isRotting('2026-01-01T00:00:00Z', { rotting_days: 7, is_won: 1, is_lost: 0 }, now), 'closed deals never rot');
  t.notOk(isRotting('2026-01-01T00:00:00Z', { rotting_days: null, is_won: 0, is_lost: 0 }, now));
  t.ok(isOverdue('2026-11-22', '2026-11-23', false));
  t.notOk(isOverdue('2026-11-22', '2026-11-23', true));
  t.equal(parseDealKey('D-42'), 42);
  t.equal(parseDealKey('d42'), 42);
  t.equal(parseDealKey('deal'), null);
});
